package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/idbridge/idbridge/accounts"
	"github.com/scim2/filter-parser/v2"
)

// lister is one resource type's list query.
type lister struct {
	name     string // meta.resourceType
	endpoint string // "/Users"
	schemas  []string
	rv       resolver
	page     func(r *http.Request, q accounts.SCIMQuery) (int, []scim.Resource, error)
}

// lists answers list and search requests itself instead of the library,
// which reports the requested count as itemsPerPage, cannot parse value
// paths with a sub-attribute (emails[type eq "work"].value eq "x"), skips
// externalId in search filters and has no root search.
type lists struct {
	types   []lister
	baseURL string
	log     *slog.Logger
	next    http.Handler
}

func (l *lists) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v2"), "/")
	if r.Method == http.MethodPost && path == "/.search" {
		l.search(w, r, l.types)
		return
	}
	if r.Method == http.MethodGet && path == "/ServiceProviderConfig" {
		l.config(w, r)
		return
	}
	for _, t := range l.types {
		switch {
		case r.Method == http.MethodGet && strings.EqualFold(path, t.endpoint):
			l.list(w, r, []lister{t}, r.URL.Query())
			return
		case r.Method == http.MethodPost && strings.EqualFold(path, t.endpoint+"/.search"):
			l.search(w, r, []lister{t})
			return
		case (r.Method == http.MethodPost && strings.EqualFold(path, t.endpoint)) ||
			(r.Method == http.MethodPut && strings.HasPrefix(strings.ToLower(path), strings.ToLower(t.endpoint)+"/")):
			if err := checkBody(r, t.rv); err != nil {
				l.fail(w, r, err)
				return
			}
		}
	}
	reshape(w, r, l.next, l.urns())
}

// searchRequest is a POST …/.search body (RFC 7644 §3.4.3).
type searchRequest struct {
	Schemas            []string `json:"schemas"`
	Attributes         []string `json:"attributes"`
	ExcludedAttributes []string `json:"excludedAttributes"`
	Filter             string   `json:"filter"`
	SortBy             string   `json:"sortBy"`
	SortOrder          string   `json:"sortOrder"`
	StartIndex         *int     `json:"startIndex"`
	Count              *int     `json:"count"`
}

const searchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// search reads a search body as the query parameters of a list request.
func (l *lists) search(w http.ResponseWriter, r *http.Request, types []lister) {
	var sr searchRequest
	d := json.NewDecoder(r.Body)
	d.UseNumber()
	if err := d.Decode(&sr); err != nil {
		writeError(w, http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "the search request is not valid JSON of the SearchRequest schema")
		return
	}
	if len(sr.Schemas) != 1 || sr.Schemas[0] != searchRequestURN {
		writeError(w, http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, `a search request's schemas must be ["`+searchRequestURN+`"]`)
		return
	}
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("attributes", strings.Join(sr.Attributes, ","))
	set("excludedAttributes", strings.Join(sr.ExcludedAttributes, ","))
	set("filter", sr.Filter)
	set("sortBy", sr.SortBy)
	set("sortOrder", sr.SortOrder)
	if sr.StartIndex != nil {
		v.Set("startIndex", strconv.Itoa(*sr.StartIndex))
	}
	if sr.Count != nil {
		v.Set("count", strconv.Itoa(*sr.Count))
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = v.Encode()
	l.list(w, r2, types, v)
}

// list answers a page of one resource type, or of several (root search)
// one after the other.
func (l *lists) list(w http.ResponseWriter, r *http.Request, types []lister, v url.Values) {
	start, count, err := pageParams(v)
	if err != nil {
		writeError(w, http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, err.Error())
		return
	}
	var expr filter.Expression
	if f := strings.TrimSpace(v.Get("filter")); f != "" {
		if expr, err = parseFilter(f); err != nil {
			writeError(w, http.StatusBadRequest, scimerrors.ScimTypeInvalidFilter, "the filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2)")
			return
		}
	}
	var urns []string
	for _, t := range types {
		urns = append(urns, t.schemas...)
	}
	proj := newProjection(v, urns)
	total, resources := 0, []any{}
	var firstErr error
	matched := 0
	for _, t := range types {
		q := accounts.SCIMQuery{TeamID: callerFrom(r.Context()).teamID}
		if expr != nil {
			f, err := t.rv.toFilter(expr)
			if err == nil {
				err = checkFilterSize(f)
			}
			if err != nil {
				// A root search skips types the filter does not fit.
				firstErr = cmpOr(firstErr, err)
				continue
			}
			q.Filter = f
		}
		if q.SortBy, q.SortDescending, err = t.rv.sortParams(v); err != nil {
			if len(types) == 1 {
				l.fail(w, r, err)
				return
			}
			q.SortBy = nil
		}
		matched++
		// The page continues across types: skip what earlier types filled.
		q.StartIndex = max(1, start-total)
		q.Count = count - len(resources)
		n, page, err := t.page(r, q)
		if err != nil {
			l.fail(w, r, err)
			return
		}
		total += n
		for _, res := range page {
			resources = append(resources, proj.apply(l.render(t, res)))
		}
	}
	if matched == 0 && firstErr != nil {
		l.fail(w, r, firstErr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": total,
		"itemsPerPage": len(resources),
		"startIndex":   start,
		"Resources":    resources,
	})
}

// urns are the schemas of every resource type.
func (l *lists) urns() []string {
	var urns []string
	for _, t := range l.types {
		urns = append(urns, t.schemas...)
	}
	return urns
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (l *lists) fail(w http.ResponseWriter, r *http.Request, err error) {
	var se scimerrors.ScimError
	if errors.As(err, &se) {
		writeError(w, se.Status, se.ScimType, se.Detail)
		return
	}
	writeDomainError(w, r, l.log, err)
}

// render is a resource as the library would answer it.
func (l *lists) render(t lister, res scim.Resource) map[string]any {
	out := make(map[string]any, len(res.Attributes)+3)
	for k, v := range res.Attributes {
		out[k] = v
	}
	out["id"] = res.ID
	out["schemas"] = t.schemas
	m := map[string]any{"resourceType": t.name, "location": l.baseURL + t.endpoint + "/" + url.PathEscape(res.ID)}
	if res.Meta.Created != nil {
		m["created"] = res.Meta.Created.Format(time.RFC3339)
	}
	if res.Meta.LastModified != nil {
		m["lastModified"] = res.Meta.LastModified.Format(time.RFC3339)
	}
	if res.Meta.Version != "" {
		m["version"] = res.Meta.Version
	}
	out["meta"] = m
	return out
}

// pageParams reads startIndex and count (RFC 7644 §3.4.2.4): startIndex
// below 1 is 1, count below 0 is 0, count above maxCount is maxCount.
func pageParams(v url.Values) (start, count int, err error) {
	start, count = 1, maxCount
	if s := v.Get("startIndex"); s != "" {
		if start, err = strconv.Atoi(s); err != nil {
			return 0, 0, errors.New("startIndex must be an integer")
		}
		start = max(start, 1)
	}
	if s := v.Get("count"); s != "" {
		if count, err = strconv.Atoi(s); err != nil {
			return 0, 0, errors.New("count must be an integer")
		}
		count = min(max(count, 0), maxCount)
	}
	return start, count, nil
}

// writeJSON writes a SCIM JSON answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "", "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// checkBody refuses a resource body with undeclared schemas or attributes.
// A body that is not a JSON object is left for the library to refuse.
func checkBody(r *http.Request, rv resolver) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return badValue("the request body could not be read")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	return rv.checkDeclared(doc)
}

// config answers the library's ServiceProviderConfig corrected: it reports
// sorting, ETags and password changes unsupported, though all three work
// here, and IdPs read it to decide what to send.
func (l *lists) config(w http.ResponseWriter, r *http.Request) {
	b := &bufferedWriter{header: w.Header()}
	l.next.ServeHTTP(b, r)
	var cfg map[string]any
	if (b.status != 0 && b.status != http.StatusOK) || json.Unmarshal(b.body.Bytes(), &cfg) != nil {
		reshape(w, r, l.next, l.urns())
		return
	}
	for _, k := range []string{"sort", "etag", "changePassword"} {
		cfg[k] = map[string]bool{"supported": true}
	}
	writeJSON(w, http.StatusOK, cfg)
}
