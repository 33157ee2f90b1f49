// Package app assembles the web application: configuration, middleware,
// the route table, templates and the error pages. It is the only package
// that knows every domain; the domains know nothing of it.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/template/html/v2"
	"github.com/jmoiron/sqlx"

	"partyschool/attendance"
	"partyschool/audit"
	"partyschool/auth"
	"partyschool/certificates"
	"partyschool/courses"
	"partyschool/lecturers"
	"partyschool/mentoring"
	"partyschool/places"
	"partyschool/settings"
	"partyschool/static"
	"partyschool/trainees"
	"partyschool/views"
	"partyschool/web"
)

// Server is the assembled application.
type Server struct {
	Fiber  *fiber.App
	cfg    Config
	db     *sqlx.DB
	logger *slog.Logger
	routes []Route
	// proxies are the reverse proxies whose X-Forwarded-For is believed.
	proxies trustedProxies

	auth       *auth.Handler
	settings   *settings.Store
	places     *places.Store
	lecturers  *lecturers.Store
	courses    *courses.Store
	trainees   *trainees.Store
	attendance *attendance.Store
	certs      *certificates.Store
	mentoring  *mentoring.Store
	auditLog   *audit.Handler
	// certFont draws the certificates; nil when the machine has no
	// Chinese font, and then the certificate PDFs answer 503.
	certFont *certificates.Font
}

// New builds the application on an open, migrated database. Extra routes
// are mounted after the route table; tests use them to add handlers that
// fail on purpose.
func New(cfg Config, db *sqlx.DB, logger *slog.Logger, extra ...Route) (*Server, error) {
	s := &Server{cfg: cfg, db: db, logger: logger, proxies: parseTrustedProxies(cfg.TrustedProxies)}

	authStore := auth.NewStore(db)
	authStore.IdleTimeout, authStore.MaxAge = cfg.SessionIdle, cfg.SessionMax
	s.settings = settings.NewStore(db, 10*time.Second)
	s.places = places.NewStore(db)
	s.lecturers = lecturers.NewStore(db)
	s.courses = courses.NewStore(db)
	s.trainees = trainees.NewStore(db)
	s.attendance = attendance.NewStore(db)
	s.certs = certificates.NewStore(db)
	s.mentoring = mentoring.NewStore(db)
	s.auditLog = &audit.Handler{Store: audit.NewStore(db)}
	if font, err := certificates.FindFont(os.Getenv("CERT_FONT")); err != nil {
		logger.Warn("no CJK font: certificates cannot be printed — install fonts-droid-fallback or set CERT_FONT", "err", err)
	} else {
		s.certFont = font
		logger.Info("certificate font", "path", font.Path(), "name", font.Name())
	}
	s.auth = &auth.Handler{
		Store:         authStore,
		Registration:  s.settings,
		SecureCookies: cfg.SecureCookies(),
		Logger:        logger,
	}

	engine, err := newEngine(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	s.Fiber = fiber.New(fiber.Config{
		AppName:      "partyschool",
		Views:        engine,
		ErrorHandler: s.errorHandler,
		BodyLimit:    cfg.BodyLimit,
		ReadTimeout:  15 * time.Second,
		WriteTimeout: ShutdownTimeout, // long enough for a batch of certificates; shutdown waits as long
		IdleTimeout:  60 * time.Second,
		// Fiber's own proxy handling is off: it believes the leftmost,
		// client-written X-Forwarded-For entry. See clientip.go.
		DisableStartupMessage: true,
	})
	s.middleware()
	s.mount(extra)
	return s, nil
}

// Routes returns the route table as mounted.
func (s *Server) Routes() []Route { return s.routes }

// newEngine loads the embedded templates with the helper functions they
// use; absolute links are made from base, the configured BASE_URL.
func newEngine(base *url.URL) (*html.Engine, error) {
	engine := html.NewFileSystem(http.FS(views.FS), ".html")
	versions, err := assetVersions()
	if err != nil {
		return nil, err
	}
	engine.AddFunc("asset", func(name string) string {
		return "/static/" + name + "?v=" + versions[name]
	})
	engine.AddFunc("maskPhone", web.MaskPhone)
	engine.AddFunc("shanghai", func(t time.Time) string {
		return t.In(web.Shanghai).Format("2006-01-02 15:04")
	})
	engine.AddFunc("clock", func(t time.Time) string { return t.In(web.Shanghai).Format(web.ClockLayout) })
	engine.AddFunc("date", func(t time.Time) string { return t.In(web.Shanghai).Format(web.DateLayout) })
	engine.AddFunc("day", web.DayLabel)
	engine.AddFunc("deref", func(n *int) int {
		if n == nil {
			return 0
		}
		return *n
	})
	// webcal turns a feed's address (a path, or the absolute address) into
	// the webcal: link that makes a phone subscribe to the calendar rather
	// than import it once. The host comes from BASE_URL, never from a
	// visitor, so the link is safe.
	engine.AddFunc("webcal", func(feed string) template.URL {
		if strings.HasPrefix(feed, "/") {
			feed = strings.TrimSuffix(base.String(), "/") + feed
		}
		rest, ok := strings.CutPrefix(feed, "https://")
		if !ok {
			rest, _ = strings.CutPrefix(feed, "http://")
		}
		return template.URL("webcal://" + rest)
	})
	engine.AddFunc("hours", func(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) })
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	return engine, nil
}

// assetVersions fingerprints each static file, so its URL changes with its
// content and browsers may cache it for a long time.
func assetVersions() (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(static.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out, err
}

func (s *Server) staticHandler() fiber.Handler {
	return filesystem.New(filesystem.Config{
		Root:       http.FS(static.FS),
		PathPrefix: "",
		MaxAge:     int((30 * 24 * time.Hour).Seconds()),
	})
}

// ready reports whether the database answers, for /readyz.
func (s *Server) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.db.PingContext(ctx)
}
