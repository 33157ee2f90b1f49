package auth

import (
	"context"
	"errors"
	"log/slog"
	"math"

	"github.com/gofiber/fiber/v2"

	"partyschool/audit"
	"partyschool/web"
)

// Registration tells whether trainees may sign themselves up; the school
// settings answer it.
type Registration interface {
	RegistrationOpen(ctx context.Context) (bool, error)
}

// Handler serves sign-in, sign-out, registration, the own-account page and
// user administration.
type Handler struct {
	Store         *Store
	Registration  Registration
	SecureCookies bool
	Logger        *slog.Logger
}

// loginForm is the sign-in form as typed (the password is never echoed).
type loginForm struct {
	Username string
	Next     string
}

// LoginForm shows the sign-in page.
func (h *Handler) LoginForm(c *fiber.Ctx) error {
	next := SafeNext(c.Query("next"))
	if web.ViewerOf(c) != nil {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	return h.renderLogin(c, fiber.StatusOK, loginForm{Next: next}, "")
}

func (h *Handler) renderLogin(c *fiber.Ctx, status int, f loginForm, alert string) error {
	p := web.NewPage(c, "login.title")
	p.Form = f
	if alert != "" {
		p.Alert = alert
	}
	if open, err := h.Registration.RegistrationOpen(c.UserContext()); err == nil {
		p.Data = fiber.Map{"RegistrationOpen": open}
	}
	return web.Render(c, status, "auth/login", p)
}

// Login checks the credentials and starts a session. The name typed may be
// the username or the account's mobile number. A wrong name and a wrong
// password get the same message and take the same time.
func (h *Handler) Login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := loginForm{
		Username: NormalizeUsername(web.Clean(c.FormValue("username"), 64)),
		Next:     SafeNext(web.FormValue(c, "next")),
	}
	password := web.Clean(c.FormValue("password"), 4*MaxPasswordLen)
	ip := web.ClientIP(c)

	u, key, err := h.account(ctx, f.Username)
	if err != nil {
		return err
	}
	// Failures count against the account whichever way it was named, so
	// its phone number gives a guesser no more tries than its username.
	attempt, err := h.Store.BeginAttempt(ctx, key, ip)
	if err != nil {
		return err
	}
	if attempt.Throttled {
		// Refused attempts leave no row and no audit entry (a script
		// hammering away would flood the log that cannot be pruned for
		// years); the server's log still shows them.
		h.Logger.Info("login throttled", "ip", ip, "request_id", web.RequestID(c))
		return h.renderLogin(c, fiber.StatusTooManyRequests, f, throttledMessage(c, attempt))
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := CheckPassword(ctx, hash, password)
	if err != nil {
		return err
	}
	if u == nil || !ok {
		// What was typed as a username is logged only when it is one: an
		// unknown "username" is often a password typed in the wrong box.
		if u != nil {
			h.Logger.Info("login failed", "user_id", u.ID, "ip", ip, "request_id", web.RequestID(c))
		} else {
			h.Logger.Info("login failed: unknown username", "ip", ip, "request_id", web.RequestID(c))
		}
		reason := "password"
		if u == nil {
			reason = "unknown account"
		}
		if err := h.auditLogin(ctx, "auth.login_failed", u, reason, ip); err != nil {
			return err
		}
		return h.renderLogin(c, fiber.StatusUnprocessableEntity, f, web.T(c, "login.failed"))
	}
	if u.Disabled() {
		if err := h.auditLogin(ctx, "auth.login_failed", u, "disabled", ip); err != nil {
			return err
		}
		return h.renderLogin(c, fiber.StatusForbidden, f, web.T(c, "login.disabled"))
	}
	if err := h.Store.Succeeded(ctx, attempt, key); err != nil {
		return err
	}
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	h.Logger.Info("login", "user_id", u.ID, "ip", ip, "request_id", web.RequestID(c))
	if err := h.auditLogin(ctx, "auth.login", u, "", ip); err != nil {
		return err
	}
	return c.Redirect(f.Next, fiber.StatusSeeOther)
}

// auditLogin adds a sign-in, or a refused one, to the audit log: the
// account when there is one (as the actor of a sign-in, the object of a
// refusal, which may be someone else's guess), the reason of a refusal, the
// address. What was typed is not kept: an unknown "username" is often a
// password typed in the wrong box. Attempts refused by the throttle are
// not added: they check no password.
func (h *Handler) auditLogin(ctx context.Context, action string, u *User, reason string, ip string) error {
	e := audit.Entry{Action: action, ClientIP: ip}
	if reason != "" {
		e.Details = map[string]any{"reason": reason}
	}
	if u != nil {
		e.Object = UserObject(u.ID)
		if action == "auth.login" {
			e.ActorID = u.ID
		}
	}
	return audit.Record(ctx, h.Store.db, e)
}

// account finds the account a sign-in names: by mobile number when what
// was typed is one, else (or when no account has that number) by username.
// It returns the key the attempt is throttled under: the account's
// username when there is an account, else what was typed (the number
// without its spaces and dashes). No account is (nil, key, nil).
func (h *Handler) account(ctx context.Context, typed string) (*User, string, error) {
	key := typed
	if phone := NormalizePhone(typed); PhoneProblem(phone, true) == "" {
		key = phone
		u, err := h.Store.UserByPhone(ctx, phone)
		if err == nil {
			return u, u.Username, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, "", err
		}
	}
	u, err := h.Store.UserByUsername(ctx, typed)
	if errors.Is(err, ErrNotFound) {
		return nil, key, nil
	}
	if err != nil {
		return nil, "", err
	}
	return u, u.Username, nil
}

func throttledMessage(c *fiber.Ctx, a *Attempt) string {
	return web.T(c, "login.throttled", int(math.Ceil(a.Wait.Minutes())))
}

// Logout ends the session.
func (h *Handler) Logout(c *fiber.Ctx) error {
	if err := h.endSession(c); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// RegisterForm shows the trainee self-registration page.
func (h *Handler) RegisterForm(c *fiber.Ctx) error {
	if web.ViewerOf(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return h.renderRegister(c, fiber.StatusOK, RegisterForm{}, nil, "")
}

func (h *Handler) renderRegister(c *fiber.Ctx, status int, f RegisterForm, errs web.FieldErrors, alert string) error {
	open, err := h.Registration.RegistrationOpen(c.UserContext())
	if err != nil {
		return err
	}
	if !open {
		return web.Fail(fiber.StatusForbidden, "register.closed")
	}
	p := web.NewPage(c, "register.title")
	p.Form = f
	p.Errors = errs
	switch {
	case alert != "":
		p.Alert = alert
	case errs.Any():
		p.Alert = p.T("form.fix")
	}
	return web.Render(c, status, "auth/register", p)
}

// Register creates a trainee account and signs it in. Saying that a phone
// number or username is taken tells whether it has an account, so such
// refusals are throttled per client address (MaxRegistrationFailures).
func (h *Handler) Register(c *fiber.Ctx) error {
	ctx := c.UserContext()
	open, err := h.Registration.RegistrationOpen(ctx)
	if err != nil {
		return err
	}
	if !open {
		return web.Fail(fiber.StatusForbidden, "register.closed")
	}
	f := RegisterForm{
		Name:     web.Clean(c.FormValue("name"), 200),
		Phone:    web.Clean(c.FormValue("phone"), 40),
		Username: web.Clean(c.FormValue("username"), 64),
		Password: web.Clean(c.FormValue("password"), 4*MaxPasswordLen),
	}
	nu, errs := f.Parse()
	f.Password = "" // never sent back to the browser
	ip := web.ClientIP(c)
	attempt, err := h.Store.BeginRegistration(ctx, ip)
	if err != nil {
		return err
	}
	if attempt.Throttled {
		h.Logger.Info("registration throttled", "ip", ip, "request_id", web.RequestID(c))
		return h.renderRegister(c, fiber.StatusTooManyRequests, f, nil,
			web.T(c, "register.throttled", int(math.Ceil(attempt.Wait.Minutes()))))
	}
	taken, err := h.taken(ctx, nu, errs)
	if err != nil {
		return err
	}
	if !taken {
		if err := h.Store.Forget(ctx, attempt); err != nil {
			return err
		}
	}
	if errs.Any() {
		return h.renderRegister(c, fiber.StatusUnprocessableEntity, f, errs, "")
	}
	u, err := h.Store.CreateUser(ctx, nu)
	switch {
	case errors.Is(err, ErrUsernameTaken): // taken by a concurrent registration
		errs.Add("username", "form.username.taken")
	case errors.Is(err, ErrPhoneTaken):
		errs.Add("phone", "form.phone.taken")
	case err != nil:
		return err
	}
	if errs.Any() {
		if err := h.Store.RegistrationRefused(ctx, ip); err != nil {
			return err
		}
		return h.renderRegister(c, fiber.StatusUnprocessableEntity, f, errs, "")
	}
	h.Logger.Info("registered", "user_id", u.ID, "request_id", web.RequestID(c))
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	// The trainee's profile (community, type) comes next.
	return c.Redirect("/my/profile?welcome=1", fiber.StatusSeeOther)
}

// taken adds a message to errs for a valid username or phone number that
// already has an account, and reports whether it did.
func (h *Handler) taken(ctx context.Context, nu NewUser, errs web.FieldErrors) (bool, error) {
	taken := false
	if _, bad := errs["username"]; !bad {
		exists, err := h.Store.UsernameExists(ctx, nu.Username)
		if err != nil {
			return false, err
		}
		if exists {
			errs.Add("username", "form.username.taken")
			taken = true
		}
	}
	if _, bad := errs["phone"]; !bad {
		_, err := h.Store.UserByPhone(ctx, nu.Phone)
		switch {
		case err == nil:
			errs.Add("phone", "form.phone.taken")
			taken = true
		case !errors.Is(err, ErrNotFound):
			return false, err
		}
	}
	return taken, nil
}

// Account shows the signed-in user's own account and the password form.
func (h *Handler) Account(c *fiber.Ctx) error {
	return h.renderAccount(c, fiber.StatusOK, nil)
}

func (h *Handler) renderAccount(c *fiber.Ctx, status int, errs web.FieldErrors) error {
	u, err := h.Store.UserByID(c.UserContext(), web.ViewerOf(c).ID)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "account.title")
	p.Data = u
	p.Errors = errs
	if errs.Any() {
		p.Alert = p.T("form.fix")
	}
	if c.Query("changed") == "1" {
		p.Notice = p.T("account.password.changed")
	}
	if u.MustChangePassword {
		p.Alert = p.T("account.password.first")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, status, "auth/account", p)
}

// ChangePassword replaces the user's password after checking the current
// one. Every session of the user ends; this browser gets a fresh one.
func (h *Handler) ChangePassword(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := web.ViewerOf(c)
	u, err := h.Store.UserByID(ctx, v.ID)
	if err != nil {
		return err
	}
	current := web.Clean(c.FormValue("current"), 4*MaxPasswordLen)
	next := web.Clean(c.FormValue("password"), 4*MaxPasswordLen)
	// Checking the current password is a sign-in in disguise: someone
	// holding a stolen session must not get unlimited guesses at it.
	attempt, err := h.Store.BeginAttempt(ctx, u.Username, web.ClientIP(c))
	if err != nil {
		return err
	}
	if attempt.Throttled {
		p := web.NewPage(c, "account.title")
		p.Data = u
		p.Alert = throttledMessage(c, attempt)
		return web.Render(c, fiber.StatusTooManyRequests, "auth/account", p)
	}
	errs := web.FieldErrors{}
	if ok, err := CheckPassword(ctx, u.PasswordHash, current); err != nil {
		return err
	} else if !ok {
		errs.Add("current", "account.password.wrong")
	} else if err := h.Store.Succeeded(ctx, attempt, u.Username); err != nil {
		return err
	}
	if k := PasswordProblem(next, u.Username); k != "" {
		errs.Add("password", k)
	}
	if errs.Any() {
		return h.renderAccount(c, fiber.StatusUnprocessableEntity, errs)
	}
	if err := h.Store.SetPassword(ctx, u.ID, next, u.ID, web.ClientIP(c)); err != nil {
		return err
	}
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	h.Logger.Info("password changed", "user_id", u.ID, "request_id", web.RequestID(c))
	return c.Redirect("/account?changed=1", fiber.StatusSeeOther)
}
