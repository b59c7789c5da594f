package scim

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	"github.com/idbridge/idbridge/accounts"
)

// maxCount is the largest page a list request gets, and (the library makes
// them one) the page size when a request names none. Keeping it at 100
// keeps the library's itemsPerPage true to what a full page holds.
const maxCount = 100

// Params are New's dependencies.
type Params struct {
	Service *accounts.Service
	Logger  *slog.Logger
	// Prefix is the path the handler is mounted at, e.g. "/scim/v2".
	Prefix string
	// BaseURL is the absolute URL of Prefix, used in meta.location and
	// Location headers, e.g. "https://id.example.com/scim/v2".
	BaseURL string
	// MaxInFlight and MaxInFlightPerTeam bound the requests served at
	// once, in all and for one team; beyond them requests get 429 with
	// Retry-After. Zero takes the defaults (128 and 32).
	MaxInFlight        int
	MaxInFlightPerTeam int
}

// New returns the SCIM API handler. Requests reach it with paths under
// p.Prefix.
func New(p Params) (http.Handler, error) {
	if p.Service == nil || p.Logger == nil {
		return nil, fmt.Errorf("scim: Service and Logger are required")
	}
	base := strings.TrimRight(p.BaseURL, "/")
	users := &users{
		svc: p.Service, log: p.Logger, groupsURL: base + "/Groups/",
		rv: newResolver(schema.CoreUserSchema(), schema.ExtensionEnterpriseUser()),
	}
	groups := &groups{
		svc: p.Service, log: p.Logger, usersURL: base + "/Users/",
		rv: newResolver(schema.CoreGroupSchema()),
	}
	config := &scim.ServiceProviderConfig{
		DocumentationURI: optional.NewString("https://github.com/idbridge/idbridge#scim"),
		AuthenticationSchemes: []scim.AuthenticationScheme{{
			Type: scim.AuthenticationTypeOauthBearerToken, Name: "Bearer token",
			Description: "a team's SCIM token, issued by `idbridge scim-token create`", Primary: true,
		}},
		MaxResults:       maxCount,
		SupportFiltering: true,
		SupportPatch:     true,
	}
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: config,
		ResourceTypes: []scim.ResourceType{
			{
				ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
				Description: optional.NewString("User Account"),
				Schema:      schema.CoreUserSchema(),
				SchemaExtensions: []scim.SchemaExtension{
					{Schema: schema.ExtensionEnterpriseUser()},
				},
				Handler: users,
			},
			{
				ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
				Description: optional.NewString("Group"),
				Schema:      schema.CoreGroupSchema(),
				Handler:     groups,
			},
		},
	}, scim.WithBaseURL(p.BaseURL), scim.WithLogger(libLogger{p.Logger}))
	if err != nil {
		return nil, fmt.Errorf("scim: %w", err)
	}
	prefix := strings.TrimRight(p.Prefix, "/")
	a := &auth{svc: p.Service, log: p.Logger}
	l := &lists{baseURL: base, log: p.Logger, next: srv, types: []lister{
		{name: "User", endpoint: "/Users", schemas: users.schemas(), rv: users.rv, page: users.page},
		{name: "Group", endpoint: "/Groups", schemas: []string{schema.GroupSchema}, rv: groups.rv, page: groups.page},
	}}
	shed := newShedder(p.MaxInFlight, p.MaxInFlightPerTeam)
	return a.middleware(shed.middleware(normalize(rebase(prefix, l)))), nil
}

// rebase hands the library paths as it expects them: "/v2/Users/…".
func rebase(prefix string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			writeError(w, http.StatusNotFound, "", "Specified endpoint does not exist.")
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/v2" + rest
		r2.URL.RawPath = ""
		next.ServeHTTP(w, r2)
	})
}

// libLogger adapts slog to the library's logger, which is called as
// Error(msg, key, value, …).
type libLogger struct{ log *slog.Logger }

func (l libLogger) Error(args ...any) {
	if len(args) == 0 {
		return
	}
	msg, ok := args[0].(string)
	if !ok {
		l.log.Error("scim library", "args", fmt.Sprint(args...))
		return
	}
	l.log.Error("scim library: "+msg, args[1:]...)
}
