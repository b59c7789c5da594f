package accounts

import "strings"

// Device is what a person recognises a session by: browser and operating
// system, read from the User-Agent header.
type Device struct {
	Browser string
	OS      string
}

// String is "Firefox on Windows", or "Unknown device".
func (d Device) String() string {
	switch {
	case d.Browser != "" && d.OS != "":
		return d.Browser + " on " + d.OS
	case d.Browser != "":
		return d.Browser
	case d.OS != "":
		return d.OS
	}
	return "Unknown device"
}

// ParseUserAgent recognises the common browsers and systems. Order
// matters: most browsers also claim to be the ones they grew from (Edge
// says Chrome and Safari; Chrome says Safari).
func ParseUserAgent(ua string) Device {
	var d Device
	browsers := []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Vivaldi/", "Vivaldi"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"},
		{"Chromium/", "Chromium"}, {"HeadlessChrome/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Go-http-client/", "Go HTTP client"}, {"PostmanRuntime/", "Postman"}, {"python-requests/", "Python requests"},
	}
	for _, b := range browsers {
		if strings.Contains(ua, b.token) {
			d.Browser = b.name
			break
		}
	}
	systems := []struct{ token, name string }{
		{"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	}
	for _, o := range systems {
		if strings.Contains(ua, o.token) {
			d.OS = o.name
			break
		}
	}
	return d
}

// DescribeDevice is ParseUserAgent(ua).String().
func DescribeDevice(ua string) string { return ParseUserAgent(ua).String() }
