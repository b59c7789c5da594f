package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/accounts/mailer"
	"github.com/idbridge/idbridge/accounts/web"
	"github.com/idbridge/idbridge/scim"
	"github.com/idbridge/idbridge/sso"
	"github.com/idbridge/idbridge/sso/devidp"
)

func runServe(ctx context.Context, c cli, args []string) error {
	cfg, err := serveFlags(c, args)
	if err != nil {
		return err
	}
	log := newLogger(c, cfg)
	ring, err := cfg.keyRing()
	if err != nil {
		return err
	}
	delivery, err := newDelivery(cfg)
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	policy := accounts.DefaultPasswordPolicy()
	policy.MinLength = cfg.PasswordMinLength
	policy.SingleFactorMinLength = cfg.PasswordSingleFactorMinLength
	svc, err := accounts.NewService(accounts.ServiceParams{Store: st, PasswordPolicy: policy, Sealer: ring,
		BaseURL: cfg.BaseURL, ReauthWindow: cfg.ReauthWindow})
	if err != nil {
		return err
	}
	built, err := newServer(serverParams{cfg: cfg, log: log, service: svc, store: st, metrics: newMetrics(), ring: ring})
	if err != nil {
		return err
	}
	if err := setUpSSO(ctx, cfg, svc, ring, built.dev, log); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           built.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("idbridge starting", "config", cfg)
	fmt.Fprintf(c.stdout, "idbridge listening on http://%s (base URL %s)\n", ln.Addr(), cfg.BaseURL)
	if cfg.PprofAddr != "" {
		if err := startPprof(ctx, cfg.PprofAddr, c.stdout, log); err != nil {
			return err
		}
	}

	go purgeLoop(ctx, svc, log)
	if delivery.Mail == nil {
		// Nothing is lost: the outbox keeps the messages until a replica
		// with a relay delivers them.
		log.Warn("no --smtp-url: email and Slack messages stay queued in the outbox")
	} else {
		go deliverLoop(ctx, svc, delivery, cfg.OutboxInterval, log)
	}
	go metadataLoop(ctx, built.sso, cfg.MetadataRefresh, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down; letting in-flight requests finish", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// purgeLoop deletes expired sessions, tokens and rate-limit windows every
// ten minutes. Replicas may overlap harmlessly: deletes are idempotent.
func purgeLoop(ctx context.Context, svc *accounts.Service, log *slog.Logger) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if n, err := svc.PurgeExpired(ctx); err != nil {
				log.Warn("purge expired rows", "err", err)
			} else if n > 0 {
				log.Info("purged expired rows", "rows", n)
			}
		}
	}
}

func newLogger(c cli, cfg config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: *parseLevel(cfg.LogLevel)}
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if !cfg.secure() {
			format = "text" // loopback development
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(c.stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(c.stderr, opts))
}

// serverParams are newServer's dependencies.
type serverParams struct {
	cfg     config
	log     *slog.Logger
	service *accounts.Service
	store   accounts.Store
	metrics *metrics
	ring    *keyring.Ring // seals and opens SSO secrets
}

// newServer builds the whole HTTP handler: gin with our middleware and
// routes, wrapped in cross-origin protection for browser-facing writes.
// builtServer is the handler and the parts runServe still talks to.
type builtServer struct {
	handler http.Handler
	sso     *sso.Handler
	dev     *devidp.IdP // nil without --dev-idp
}

func newServer(p serverParams) (builtServer, error) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.HandleMethodNotAllowed = true
	engine.ContextWithFallback = true
	var proxies []string
	for _, cidr := range strings.Split(p.cfg.TrustedProxies, ",") {
		if cidr = strings.TrimSpace(cidr); cidr != "" {
			proxies = append(proxies, cidr)
		}
	}
	if err := engine.SetTrustedProxies(proxies); err != nil {
		return builtServer{}, usagef("--trusted-proxies: %v", err)
	}
	// recovery sits inside the log and metrics so a panic is still counted.
	engine.Use(requestID, accessLog(p.log), p.metrics.middleware, recovery(p.log), limitBody(p.cfg.MaxBodyBytes))
	captchaKey, err := p.cfg.captchaKey()
	if err != nil {
		return builtServer{}, err
	}
	allowLocal := p.cfg.loopbackOnly() // a development server nobody else reaches
	cookie := web.SessionCookie{Secure: p.cfg.secure()}
	captcha := web.NewCaptcha(web.CaptchaParams{Service: p.service, HMACKey: captchaKey, Enabled: p.cfg.Captcha == "on"})
	api := web.NewAPI(web.APIParams{
		Service: p.service, Logger: p.log, Cookie: cookie,
		Captcha:         captcha,
		CheckWebhookURL: func(u string) error { return mailer.CheckWebhookURL(u, allowLocal) },
	})
	var devMail *web.DevMailbox
	if p.cfg.devMailbox() {
		devMail = web.NewDevMailbox(p.service, p.log)
	}
	scimAPI, err := scim.New(scim.Params{Service: p.service, Logger: p.log, Prefix: "/scim/v2",
		BaseURL: strings.TrimRight(p.cfg.BaseURL, "/") + "/scim/v2"})
	if err != nil {
		return builtServer{}, err
	}
	pages, err := web.NewPages(web.PagesParams{Service: p.service, Logger: p.log, Cookie: cookie,
		Captcha: captcha, GoogleSignIn: p.cfg.GoogleClientID != ""})
	if err != nil {
		return builtServer{}, err
	}
	ssoHandler, err := sso.New(sso.Params{Service: p.service, Sealer: p.ring, BaseURL: p.cfg.BaseURL, Logger: p.log,
		SessionCookie: cookie.Name(), Secure: cookie.Secure, Skew: p.cfg.SAMLSkew})
	if err != nil {
		return builtServer{}, err
	}
	var dev *devidp.IdP
	var devHandler http.Handler // a nil *IdP must not become a non-nil interface
	if p.cfg.DevIdP {
		if dev, err = newDevIdP(p.cfg, ssoHandler, p.log); err != nil {
			return builtServer{}, err
		}
		devHandler = dev
	}
	routes(engine, routeDeps{api: api, pages: pages, store: p.store, metrics: p.metrics, scim: scimAPI, devMail: devMail,
		sso: ssoHandler, devIdP: devHandler})

	cop := http.NewCrossOriginProtection()
	// SCIM is called server-to-server with a bearer token, never with
	// cookies, so a browser's cross-origin rules say nothing about it.
	cop.AddInsecureBypassPattern("/scim/")
	// An IdP's page posts the SAML response, and an OpenID provider's page
	// the form_post callback, from its own origin by design. Both carry
	// their own proof (a signed assertion; state and code bound to the
	// browser's flow cookie), so these two routes alone are exempt.
	cop.AddInsecureBypassPattern("POST /sso/saml/{connection}/acs")
	cop.AddInsecureBypassPattern("POST /sso/oidc/{connection}/callback")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAPIPath(r.URL.Path) {
			pages.CrossOriginDenied(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"type":"/problems/cross_origin_request","title":"Forbidden","status":403,"detail":"cross-origin requests may not change anything here","code":"cross_origin_request"}`)
	}))
	return builtServer{handler: cop.Handler(engine), sso: ssoHandler, dev: dev}, nil
}

// requestID gives every request an id, echoed in X-Request-Id and in logs
// and error bodies. A caller's own id is kept when it is short and plain.
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Header("X-Request-Id", id)
	c.Next()
}

// recovery turns a panic into a logged 500 problem instead of a dropped
// connection.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				web.WriteProblem(c, log, fmt.Errorf("panic: %v", r))
			}
		}()
		c.Next()
	}
}

// accessLog writes one line per request. It never logs query strings or
// bodies, which may hold tokens.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		log.Info("request",
			"request_id", web.RequestID(c), "method", c.Request.Method, "path", c.Request.URL.Path,
			"route", c.FullPath(), "status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds(),
			"ip", c.ClientIP())
	}
}

// limitBody caps request bodies; decoders see *http.MaxBytesError and
// answer 413.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		// SCIM answers 413 itself, in SCIM error JSON, from the MaxBytesError.
		if c.Request.ContentLength > n && !strings.HasPrefix(c.Request.URL.Path, "/scim/") {
			web.WriteProblem(c, slog.New(slog.DiscardHandler), web.TooLarge(n))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}
