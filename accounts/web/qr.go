package web

import (
	"encoding/base64"
	"fmt"
	"html/template"

	qrcode "github.com/skip2/go-qrcode"
)

// qrDataURL draws text (an otpauth:// URI) as a PNG QR code and returns it
// as a data: URL for an <img>, so the secret never travels in a URL of its
// own or through a third party.
func qrDataURL(text string) (template.URL, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, 256)
	if err != nil {
		return "", fmt.Errorf("draw QR code: %w", err)
	}
	// Safe: the URL is built here from PNG bytes, never from input.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

// textDataURL makes a downloadable plain-text file out of s (the recovery
// codes), so the download needs no second request that could show them
// again.
func textDataURL(s string) template.URL {
	return template.URL("data:text/plain;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(s)))
}
