package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// normalize rewrites request bodies the library would refuse although
// identity providers send them: Entra ID sends booleans as the strings
// "True" and "False", and (before aadOptscim062020) the enterprise
// manager as a plain id instead of {"value": id}. Bodies that are not JSON pass through unchanged for
// the library to refuse.
func normalize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeError(w, http.StatusRequestEntityTooLarge, "", "the request body is too large")
				return
			}
			writeError(w, http.StatusBadRequest, "invalidSyntax", "the request body could not be read")
			return
		}
		body = normalizeBody(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// normalizeBody turns string booleans of boolean attributes into booleans
// and a plain-string manager into {"value": id}, in resources and in PATCH
// operations.
func normalizeBody(body []byte) []byte {
	// Most bodies hold neither: skip the decode for them.
	lower := bytes.ToLower(body)
	if !hasQuotedBool(lower) && !bytes.Contains(lower, []byte("manager")) {
		return body
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return body
	}
	if !fixBooleans(v) {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// fixBooleans rewrites v in place and reports whether it changed anything.
func fixBooleans(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		// A PATCH operation: {"op":…, "path":"active", "value":"False"}.
		if path, ok := v["path"].(string); ok {
			for k, val := range v {
				if strings.EqualFold(k, "value") {
					if fixed, ok := fixValue(path, val); ok {
						v[k] = fixed
						changed = true
					}
				}
			}
		}
		for k, val := range v {
			if fixed, ok := fixValue(k, val); ok {
				v[k] = fixed
				changed = true
				continue
			}
			changed = fixBooleans(val) || changed
		}
	case []any:
		for _, e := range v {
			changed = fixBooleans(e) || changed
		}
	}
	return changed
}

// fixValue returns the value an attribute at path should have been sent
// as, and whether it differs from val.
func fixValue(path string, val any) (any, bool) {
	if isBooleanPath(path) {
		return parseBool(val)
	}
	if id, ok := val.(string); ok && lastSegment(path) == "manager" {
		return map[string]any{"value": id}, true
	}
	return nil, false
}

// lastSegment is the lower-case attribute name a path ends in.
func lastSegment(path string) string {
	last := strings.TrimSpace(path)
	if i := strings.LastIndexAny(last, ".:]"); i >= 0 {
		last = last[i+1:]
	}
	return strings.ToLower(last)
}

// isBooleanPath reports whether an attribute path ("active",
// "emails[type eq \"work\"].primary", "name.x") ends in a boolean attribute.
func isBooleanPath(path string) bool {
	// The boolean attributes of the User and Group schemas.
	switch lastSegment(path) {
	case "active", "primary":
		return true
	}
	return false
}

func parseBool(v any) (bool, bool) {
	s, ok := v.(string)
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// hasQuotedBool reports whether lower (a lower-cased body) holds true or
// false inside quotes, spaces allowed, as parseBool would accept it.
func hasQuotedBool(lower []byte) bool {
	for _, word := range [][]byte{[]byte("true"), []byte("false")} {
		for rest, off := lower, 0; ; {
			i := bytes.Index(rest, word)
			if i < 0 {
				break
			}
			start, end := off+i, off+i+len(word)
			before := bytes.TrimRight(lower[:start], " \t\r\n")
			after := bytes.TrimLeft(lower[end:], " \t\r\n")
			if len(before) > 0 && before[len(before)-1] == '"' && len(after) > 0 && after[0] == '"' {
				return true
			}
			rest, off = lower[end:], end
		}
	}
	return false
}
