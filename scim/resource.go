package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/elimity-com/scim"
	"github.com/idbridge/idbridge/accounts"
)

// decodeDocument decodes a stored resource document, keeping numbers as
// they were.
func decodeDocument(raw []byte) (map[string]any, error) {
	doc := map[string]any{}
	if len(raw) == 0 {
		return doc, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

// etag is the entity tag of a resource version.
func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

func meta(created, modified time.Time, version int64) scim.Meta {
	c, m := created.UTC(), modified.UTC()
	return scim.Meta{Created: &c, LastModified: &m, Version: etag(version)}
}

// checkIfMatch returns errPreconditionFailed unless the request's If-Match
// (if any) names version.
func checkIfMatch(r *http.Request, version int64) error {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil
	}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == `"`+strconv.FormatInt(version, 10)+`"` {
			return nil
		}
	}
	return errPreconditionFailed
}

// Bounds on a filter, so one list request cannot ask the database for
// unbounded work (each value path becomes a subquery per row).
const (
	maxFilterTerms = 50
	maxFilterDepth = 10
)

// checkFilterSize refuses filters past maxFilterTerms comparisons or
// maxFilterDepth levels of nesting.
func checkFilterSize(f accounts.Filter) error {
	terms := 0
	var walk func(f accounts.Filter, depth int) error
	walk = func(f accounts.Filter, depth int) error {
		if depth > maxFilterDepth {
			return invalidFilter("the filter nests deeper than %d levels", maxFilterDepth)
		}
		switch f := f.(type) {
		case accounts.FilterAnd:
			if err := walk(f.Left, depth+1); err != nil {
				return err
			}
			return walk(f.Right, depth+1)
		case accounts.FilterOr:
			if err := walk(f.Left, depth+1); err != nil {
				return err
			}
			return walk(f.Right, depth+1)
		case accounts.FilterNot:
			return walk(f.Expr, depth+1)
		case accounts.FilterAny:
			return walk(f.Where, depth+1)
		}
		if terms++; terms > maxFilterTerms {
			return invalidFilter("the filter has more than %d comparisons", maxFilterTerms)
		}
		return nil
	}
	return walk(f, 0)
}

// sortParams reads sortBy and sortOrder (RFC 7644 §3.4.2.3).
func (rv resolver) sortParams(v url.Values) ([]string, bool, error) {
	by := strings.TrimSpace(v.Get("sortBy"))
	if by == "" {
		return nil, false, nil
	}
	desc := strings.EqualFold(v.Get("sortOrder"), "descending")
	uri, rest := "", by
	if i := strings.LastIndex(by, ":"); i >= 0 {
		uri, rest = by[:i], by[i+1:]
	}
	name, sub, _ := strings.Cut(rest, ".")
	a, ok := rv.resolve(uri, name)
	if !ok {
		return nil, false, invalidFilter("unknown sortBy attribute %q", by)
	}
	path := a.path()
	if sub != "" {
		path = append(path, a.sub(sub))
	}
	return path, desc, nil
}

// omitted reports whether the request's attributes or excludedAttributes
// leave out the top-level attribute name of a resource with these schemas.
func omitted(r *http.Request, schemas []string, name string) bool {
	return newProjection(r.URL.Query(), schemas).omits(name)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// listQuery turns a list request (paging, sortBy/sortOrder, filter) into a
// query over the caller's team.
func (rv resolver) listQuery(r *http.Request, p scim.ListRequestParams) (accounts.SCIMQuery, error) {
	q := accounts.SCIMQuery{TeamID: callerFrom(r.Context()).teamID}
	q.StartIndex, q.Count = p.StartIndex, p.Count
	var err error
	if q.SortBy, q.SortDescending, err = rv.sortParams(r.URL.Query()); err != nil {
		return q, err
	}
	if p.FilterValidator != nil {
		if q.Filter, err = rv.toFilter(p.FilterValidator.GetFilter()); err != nil {
			return q, err
		}
		if err := checkFilterSize(q.Filter); err != nil {
			return q, err
		}
	}
	return q, nil
}

// pruneUnassigned removes null values and empty arrays and objects, which
// RFC 7643 §2.5 makes the same as unassigned: a resource never stores or
// returns "roles": null because an IdP sent "roles": [].
func pruneUnassigned(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			pruneUnassigned(x)
			if len(x) == 0 {
				delete(m, k)
			}
		case []any:
			kept := x[:0]
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					pruneUnassigned(em)
					if len(em) == 0 {
						continue
					}
				}
				if e != nil {
					kept = append(kept, e)
				}
			}
			if len(kept) == 0 {
				delete(m, k)
			} else {
				m[k] = kept
			}
		}
	}
}

// checkMultiValued keeps RFC 7643 §2.4's invariants of multi-valued
// attributes in doc (and in its extensions): an element repeating an
// earlier one's type and value is merged into it, and more than one
// primary:true is refused.
func checkMultiValued(doc map[string]any) error {
	for k, v := range doc {
		switch x := v.(type) {
		case map[string]any:
			if strings.HasPrefix(strings.ToLower(k), "urn:") {
				if err := checkMultiValued(x); err != nil {
					return err
				}
			}
		case []any:
			list, err := dedupe(k, x)
			if err != nil {
				return err
			}
			doc[k] = list
		}
	}
	return nil
}

func dedupe(name string, list []any) ([]any, error) {
	out := list[:0]
	seen := map[string]map[string]any{}
	primaries := 0
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			out = append(out, e)
			continue
		}
		key := strings.ToLower(fmt.Sprint(m["type"])) + "\x00" + strings.ToLower(fmt.Sprint(m["value"]))
		if first, dup := seen[key]; dup && m["value"] != nil {
			if m["primary"] == true && first["primary"] != true {
				first["primary"] = true
				primaries++
			}
			continue
		}
		seen[key] = m
		if m["primary"] == true {
			primaries++
		}
		out = append(out, m)
	}
	if primaries > 1 {
		return nil, badValue("%s has more than one primary value; at most one may be primary:true", name)
	}
	return out, nil
}
