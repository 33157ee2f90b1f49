package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is everything the server reads from its environment.
type Config struct {
	DatabaseURL          string        // DATABASE_URL: as the role the server runs as
	MigrationDatabaseURL string        // MIGRATION_DATABASE_URL: as the schema's owner; unset, DATABASE_URL's role migrates too
	Addr                 string        // ADDR: where to listen
	BaseURL              *url.URL      // BASE_URL: the public address, for every absolute link
	LogLevel             slog.Level    // LOG_LEVEL: debug, info, warn, error
	TrustedProxies       []string      // TRUSTED_PROXIES: addresses whose X-Forwarded-For is believed
	RequestTimeout       time.Duration // REQUEST_TIMEOUT: the deadline of each request's queries
	SessionIdle          time.Duration // SESSION_IDLE: sign out after this long unused
	SessionMax           time.Duration // SESSION_MAX: sign out this long after sign-in
	BodyLimit            int           // bytes; larger request bodies are refused
}

// SecureCookies reports whether cookies must carry the Secure flag: when
// the site is served over HTTPS.
func (c Config) SecureCookies() bool { return c.BaseURL.Scheme == "https" }

// LoadConfig reads the configuration through getenv (os.Getenv in main).
func LoadConfig(getenv func(string) string) (Config, error) {
	env := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	cfg := Config{
		DatabaseURL:          env("DATABASE_URL", ""),
		MigrationDatabaseURL: env("MIGRATION_DATABASE_URL", ""),
		Addr:                 env("ADDR", "127.0.0.1:8080"),
		BodyLimit:            6 << 20, // a 5 MiB spreadsheet and its multipart envelope
	}
	var errs []error

	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		errs = append(errs, fmt.Errorf("ADDR %q: want host:port", cfg.Addr))
	}

	base := env("BASE_URL", "http://"+cfg.Addr)
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("BASE_URL %q: want http(s)://host[:port][/path]", base))
		u = &url.URL{Scheme: "http", Host: cfg.Addr}
	}
	cfg.BaseURL = u

	if err := cfg.LogLevel.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL: %w", err))
	}

	for _, p := range strings.Split(env("TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: %q is neither an address nor a CIDR range", p))
				continue
			}
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, p)
	}

	durations := []struct {
		key, def string
		into     *time.Duration
	}{
		{"REQUEST_TIMEOUT", "10s", &cfg.RequestTimeout},
		{"SESSION_IDLE", "30m", &cfg.SessionIdle},
		{"SESSION_MAX", "12h", &cfg.SessionMax},
	}
	for _, d := range durations {
		v, err := time.ParseDuration(env(d.key, d.def))
		if err != nil || v <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a duration such as %s", d.key, d.def))
			continue
		}
		*d.into = v
	}
	return cfg, errors.Join(errs...)
}
