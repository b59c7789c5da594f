package scim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// projection is what a request's attributes or excludedAttributes
// (RFC 7644 §3.9) leave of a resource: with attributes, only those (and
// id, schemas and meta, which are always returned); with
// excludedAttributes, everything else. Names match in any letter case and
// may be qualified by a schema URN ("urn:…:enterprise:2.0:User:department")
// or be an extension's URN (the whole extension).
type projection struct {
	include [][]string
	exclude [][]string
}

// alwaysReturned are the attributes a projection never removes.
var alwaysReturned = [...]string{"id", "schemas", "meta"}

// newProjection reads v's attributes and excludedAttributes; urns are the
// schemas of the resource types they apply to.
func newProjection(v url.Values, urns []string) projection {
	return projection{include: attrPaths(v.Get("attributes"), urns), exclude: attrPaths(v.Get("excludedAttributes"), urns)}
}

// attrPaths splits a comma-separated attribute list into document paths.
func attrPaths(list string, urns []string) [][]string {
	var out [][]string
	for _, spec := range strings.Split(list, ",") {
		if spec = strings.TrimSpace(spec); spec != "" {
			out = append(out, attrPath(spec, urns))
		}
	}
	return out
}

func attrPath(spec string, urns []string) []string {
	for _, urn := range urns {
		if strings.EqualFold(spec, urn) {
			return []string{urn}
		}
		if len(spec) > len(urn) && spec[len(urn)] == ':' && strings.EqualFold(spec[:len(urn)], urn) {
			rest := strings.Split(spec[len(urn)+1:], ".")
			if strings.HasPrefix(urn, "urn:ietf:params:scim:schemas:core:") {
				return rest // core attributes live at the top level
			}
			return append([]string{urn}, rest...)
		}
	}
	return strings.Split(spec, ".")
}

func (p projection) empty() bool { return len(p.include) == 0 && len(p.exclude) == 0 }

// omits reports whether the projection leaves out the top-level attribute
// name altogether, so a handler need not load it.
func (p projection) omits(name string) bool {
	for _, e := range p.exclude {
		if len(e) == 1 && strings.EqualFold(e[0], name) {
			return true
		}
	}
	if len(p.include) == 0 {
		return false
	}
	for _, in := range p.include {
		if strings.EqualFold(in[0], name) {
			return false
		}
	}
	return true
}

// apply returns the projected resource; doc's nested values may be shared
// or changed.
func (p projection) apply(doc map[string]any) map[string]any {
	if p.empty() {
		return doc
	}
	out := doc
	if len(p.include) > 0 {
		out = map[string]any{}
		for _, k := range alwaysReturned {
			if v, ok := doc[k]; ok {
				out[k] = v
			}
		}
		for _, path := range p.include {
			copyPath(doc, out, path)
		}
	}
	for _, path := range p.exclude {
		if len(path) == 1 && isAlwaysReturned(path[0]) {
			continue
		}
		deletePath(out, path)
	}
	return out
}

func isAlwaysReturned(name string) bool {
	for _, k := range alwaysReturned {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// findKey returns the key of m equal to name in any letter case.
func findKey(m map[string]any, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// copyPath copies the value at path from src into dst, keeping the
// structure around it; through a multi-valued attribute it copies the
// sub-attribute of every element.
func copyPath(src, dst map[string]any, path []string) {
	key, ok := findKey(src, path[0])
	if !ok {
		return
	}
	if len(path) == 1 {
		dst[key] = src[key]
		return
	}
	switch v := src[key].(type) {
	case map[string]any:
		sub, ok := dst[key].(map[string]any)
		if !ok {
			sub = map[string]any{}
			dst[key] = sub
		}
		copyPath(v, sub, path[1:])
	case []any:
		list, ok := dst[key].([]any)
		if !ok || len(list) != len(v) {
			list = make([]any, len(v))
			for i := range list {
				list[i] = map[string]any{}
			}
			dst[key] = list
		}
		for i, e := range v {
			if m, ok := e.(map[string]any); ok {
				if d, ok := list[i].(map[string]any); ok {
					copyPath(m, d, path[1:])
				}
			}
		}
	}
}

// deletePath removes the value at path; through a multi-valued attribute
// it removes the sub-attribute of every element.
func deletePath(m map[string]any, path []string) {
	key, ok := findKey(m, path[0])
	if !ok {
		return
	}
	if len(path) == 1 {
		delete(m, key)
		return
	}
	switch v := m[key].(type) {
	case map[string]any:
		deletePath(v, path[1:])
	case []any:
		for _, e := range v {
			if em, ok := e.(map[string]any); ok {
				deletePath(em, path[1:])
			}
		}
	}
}

// bufferedWriter holds a library answer so it can be reshaped before it is
// sent.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

// reshape runs next with a buffered answer, then names the request id in
// an error's detail, or applies the request's projection to a resource.
func reshape(w http.ResponseWriter, r *http.Request, next http.Handler, urns []string) {
	b := &bufferedWriter{header: w.Header()}
	next.ServeHTTP(b, r)
	if b.status == 0 {
		b.status = http.StatusOK
	}
	body := b.body.Bytes()
	proj := newProjection(r.URL.Query(), urns)
	switch {
	case b.status >= 400 && len(body) > 0:
		var e map[string]any
		if json.Unmarshal(body, &e) == nil {
			detail, _ := e["detail"].(string)
			e["detail"] = withRequestID(w, detail)
			if out, err := json.Marshal(e); err == nil {
				body = out
			}
		}
	case b.status < 300 && len(body) > 0 && !proj.empty():
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var doc map[string]any
		if d.Decode(&doc) == nil {
			if out, err := json.Marshal(proj.apply(doc)); err == nil {
				body = out
			}
		}
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(body)
}
