// Command partyschool runs the community party school: its web server and
// the commands that install, upgrade and seed its database.
//
//	partyschool [serve]                      serve the web application (the default)
//	partyschool migrate up|down|status       change or show the database schema
//	partyschool seed --demo                  load the demo data (idempotent)
//	partyschool user add --role R --username U [--name N] [--phone P]
//	                                         create an account; the password is read
//	                                         from the terminal, or from stdin
//	partyschool audit prune                  delete the audit entries past the school's
//	                                         retention (as the schema's owner)
//	partyschool version                      print the version
//
// Configuration comes from the environment; see the README.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/term"

	"partyschool/app"
	"partyschool/audit"
	"partyschool/auth"
	"partyschool/database"
	"partyschool/seed"
	"partyschool/web"
)

// version is set at build time by the Makefile.
var version = "dev"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "partyschool:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve()
	case "migrate":
		return migrate(args)
	case "seed":
		return seedCmd(args)
	case "user":
		return userCmd(args)
	case "audit":
		return auditCmd(args)
	case "version", "--version", "-v":
		fmt.Println("partyschool", version)
		return nil
	case "help", "--help", "-h":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  partyschool [serve]
  partyschool migrate up|down|status
  partyschool seed --demo
  partyschool user add --role trainee|lecturer|coordinator|admin --username NAME [--name 姓名] [--phone 手机号]
  partyschool audit prune
  partyschool version
`

// setup reads the configuration and connects: as the serving role
// (DATABASE_URL) for serve, as the schema's owner (MIGRATION_DATABASE_URL
// when set, else DATABASE_URL too) for the commands that change the schema
// or load data.
func setup(ctx context.Context, asOwner bool) (app.Config, *slog.Logger, *sqlx.DB, error) {
	cfg, err := app.LoadConfig(os.Getenv)
	if err != nil {
		return cfg, nil, nil, err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if cfg.DatabaseURL == "" {
		return cfg, logger, nil, errors.New("DATABASE_URL is not set (`make run` starts a private database and sets it)")
	}
	url := cfg.DatabaseURL
	if asOwner && cfg.MigrationDatabaseURL != "" {
		url = cfg.MigrationDatabaseURL
	}
	db, err := database.Open(ctx, url)
	if err != nil {
		return cfg, logger, nil, err
	}
	return cfg, logger, db, nil
}

// prepareSchema brings the schema up to date before serving and prunes
// the audit log. With a separate owner (MIGRATION_DATABASE_URL) the owner
// migrates, prunes and then grants the serving role what it needs; either
// way a serving role that could rewrite the audit log is reported.
func prepareSchema(ctx context.Context, cfg app.Config, db *sqlx.DB, logger *slog.Logger) error {
	if cfg.MigrationDatabaseURL == "" {
		if err := database.MigrateUp(ctx, db, logger); err != nil {
			return err
		}
		pruneAuditLog(ctx, db, logger)
	} else {
		owner, err := database.Open(ctx, cfg.MigrationDatabaseURL)
		if err != nil {
			return fmt.Errorf("MIGRATION_DATABASE_URL: %w", err)
		}
		defer owner.Close()
		if err := database.MigrateUp(ctx, owner, logger); err != nil {
			return err
		}
		pruneAuditLog(ctx, owner, logger)
		var serving, owning string
		if err := db.GetContext(ctx, &serving, `SELECT current_user`); err != nil {
			return fmt.Errorf("serving role: %w", err)
		}
		if err := owner.GetContext(ctx, &owning, `SELECT current_user`); err != nil {
			return fmt.Errorf("owning role: %w", err)
		}
		if serving != owning {
			if err := database.GrantRuntime(ctx, owner, serving); err != nil {
				return err
			}
		}
	}
	protected, err := database.AuditLogProtected(ctx, db)
	if err != nil {
		return err
	}
	if !protected {
		logger.Warn("the audit log is not protected from the serving database role: it is a superuser, owns the log or may change it;" +
			" serve as an unprivileged role (DATABASE_URL) and migrate as the owner (MIGRATION_DATABASE_URL), see the README")
	}
	return nil
}

// pruneAuditLog deletes the audit entries past the school's retention at
// start, on a connection as the log's owner: the serving role cannot
// delete them, and no owner's connection stays open while serving, so a
// server that runs for months also wants `partyschool audit prune` from a
// daily timer. A failure is reported and serving goes on: the entries
// are merely kept longer.
func pruneAuditLog(ctx context.Context, owner *sqlx.DB, logger *slog.Logger) {
	p, err := audit.Prune(ctx, owner)
	var pqErr *pq.Error
	switch {
	case errors.As(err, &pqErr) && pqErr.Code == "42501":
		logger.Warn("the audit log cannot be pruned by this database role; run `partyschool audit prune` with MIGRATION_DATABASE_URL, the schema owner's", "err", err)
	case err != nil:
		logger.Error("prune the audit log", "err", err)
	case p.Deleted > 0:
		logger.Info("audit log pruned", "deleted", p.Deleted, "before", p.Before, "retention_years", p.RetentionYears)
	}
}

func serve() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// After the first signal, restore the default handling: a second
	// Ctrl-C ends the process at once instead of waiting for the drain.
	go func() { <-ctx.Done(); stop() }()
	cfg, logger, db, err := setup(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := prepareSchema(ctx, cfg, db, logger); err != nil {
		return err
	}
	srv, err := app.New(cfg, db, logger)
	if err != nil {
		return err
	}
	return srv.Serve(ctx, func(addr string) {
		logger.Info("serving", "addr", addr, "base_url", cfg.BaseURL.String(), "version", version)
	})
}

func migrate(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: partyschool migrate up|down|status")
	}
	ctx := context.Background()
	_, logger, db, err := setup(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "up":
		return database.MigrateUp(ctx, db, logger)
	case "down":
		return database.MigrateDown(ctx, db, logger)
	case "status":
		states, err := database.MigrateStatus(ctx, db)
		if err != nil {
			return err
		}
		for _, s := range states {
			mark := "pending"
			if s.Applied {
				mark = "applied"
			}
			fmt.Printf("%05d  %-8s %s\n", s.Version, mark, s.File)
		}
		return nil
	}
	return fmt.Errorf("unknown migrate command %q: want up, down or status", args[0])
}

func seedCmd(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "load the demo data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*demo {
		return errors.New("usage: partyschool seed --demo")
	}
	return withMigratedDB(func(ctx context.Context, db *sqlx.DB) error {
		n, err := seed.Demo(ctx, db)
		if err != nil {
			return err
		}
		fmt.Printf("demo data: %d communities, %d venues, %d users, %d lecturers, %d courses, %d sessions, %d enrolments, %d mentoring pairs added\n",
			n.Communities, n.Venues, n.Users, n.Lecturers, n.Courses, n.Sessions, n.Enrolments, n.Pairs)
		return nil
	})
}

// withMigratedDB runs f on the configured database after bringing its
// schema up to date.
func withMigratedDB(f func(ctx context.Context, db *sqlx.DB) error) error {
	ctx := context.Background()
	_, logger, db, err := setup(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := database.MigrateUp(ctx, db, logger); err != nil {
		return err
	}
	return f(ctx, db)
}

func userCmd(args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: partyschool user add --role ROLE --username NAME")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	role := fs.String("role", "", "trainee, lecturer, coordinator or admin")
	username := fs.String("username", "", "the sign-in name")
	name := fs.String("name", "", "the person's name (defaults to the username)")
	phone := fs.String("phone", "", "mobile number (optional)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	nu := auth.NewUser{
		Role:     *role,
		Username: auth.NormalizeUsername(*username),
		Name:     strings.TrimSpace(*name),
		Phone:    auth.NormalizePhone(*phone),
	}
	if nu.Name == "" {
		nu.Name = nu.Username
	}
	if !auth.ValidRole(nu.Role) {
		return fmt.Errorf("--role %q: want trainee, lecturer, coordinator or admin", *role)
	}
	if k := auth.UsernameProblem(nu.Username); k != "" {
		return fmt.Errorf("--username %q: 3–32 characters of a-z, 0-9, _ . - starting with a letter or digit", *username)
	}
	if k := auth.NameProblem(nu.Name); k != "" {
		return fmt.Errorf("--name %q: 1–50 characters", *name)
	}
	if k := auth.PhoneProblem(nu.Phone, false); k != "" {
		return fmt.Errorf("--phone %q: want an 11-digit mobile number", *phone)
	}
	password, err := readPassword(os.Stdin)
	if err != nil {
		return err
	}
	if k := auth.PasswordProblem(password, nu.Username); k != "" {
		return fmt.Errorf("password refused: %s", passwordProblems[k])
	}
	nu.Password = password

	return withMigratedDB(func(ctx context.Context, db *sqlx.DB) error {
		u, err := auth.NewStore(db).CreateUser(ctx, nu)
		if errors.Is(err, auth.ErrUsernameTaken) {
			return fmt.Errorf("username %q is taken", nu.Username)
		}
		if err != nil {
			return err
		}
		fmt.Printf("created %s %q (id %d)\n", u.Role, u.Username, u.ID)
		return nil
	})
}

// auditCmd runs `partyschool audit prune`: as the schema's owner
// (MIGRATION_DATABASE_URL when set, else DATABASE_URL), it deletes the
// audit entries older than the school's retention, leaving an entry that
// says so. Run it daily, from cron or a systemd timer.
func auditCmd(args []string) error {
	if len(args) != 1 || args[0] != "prune" {
		return errors.New("usage: partyschool audit prune")
	}
	return withMigratedDB(func(ctx context.Context, db *sqlx.DB) error {
		p, err := audit.Prune(ctx, db)
		if err != nil {
			return err
		}
		fmt.Printf("audit log: %d entries older than %s deleted (kept for %d years)\n",
			p.Deleted, p.Before.In(web.Shanghai).Format("2006-01-02 15:04"), p.RetentionYears)
		return nil
	})
}

var passwordProblems = map[string]string{
	"form.password.required": "it is empty",
	"form.password.short":    fmt.Sprintf("it needs at least %d characters", auth.MinPasswordLen),
	"form.password.long":     fmt.Sprintf("it may have at most %d characters", auth.MaxPasswordLen),
	"form.password.common":   "it is too common",
	"form.password.username": "it is the username",
}

// readPassword reads the password without echo from a terminal (asking
// twice), or as the first line of stdin when that is a pipe. It is never
// taken from the command line, where other users could see it.
func readPassword(stdin *os.File) (string, error) {
	fd := int(stdin.Fd())
	if term.IsTerminal(fd) {
		fmt.Fprint(os.Stderr, "Password: ")
		first, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(os.Stderr, "Again: ")
		second, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
