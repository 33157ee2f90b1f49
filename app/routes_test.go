package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"partyschool/app"
	"partyschool/app/apptest"
	"partyschool/web"
)

// infrastructure routes answer before sessions exist and touch no
// personal data; they are the only ones outside the route table.
var infrastructure = []string{"/healthz", "/readyz"}

// TestEveryRouteIsDeclared walks what Fiber actually serves: each route
// must come from the route table with its access declared (SECURITY.md 1).
func TestEveryRouteIsDeclared(t *testing.T) {
	env := apptest.New(t)
	declared := map[string]app.Access{}
	for _, r := range env.Server.Routes() {
		if !r.Access.Public && len(r.Access.Roles) == 0 {
			t.Errorf("%s %s declares no access", r.Method, r.Path)
		}
		declared[r.Method+" "+r.Path] = r.Access
	}
	for _, r := range env.Server.Fiber.GetRoutes(true) {
		if slices.Contains(infrastructure, r.Path) {
			continue
		}
		method := r.Method
		if method == http.MethodHead { // Fiber answers HEAD for every GET
			method = http.MethodGet
		}
		if _, ok := declared[method+" "+r.Path]; !ok {
			t.Errorf("%s %s is served but not in the route table", r.Method, r.Path)
		}
	}
}

// TestAccessMatrix tries every route as every role: a role the route does
// not declare gets 403 (or, anonymous, the way to the login page); a
// declared role gets through to the handler.
func TestAccessMatrix(t *testing.T) {
	env := apptest.New(t)
	target := env.CreateUser("trainee", "target", "目标") // what /users/:id routes act on
	clients := map[string]*apptest.Client{"": env.Client()}
	for _, role := range web.Roles {
		clients[role], _ = env.LoginAs(role, "matrix"+role)
	}
	for _, r := range env.Server.Routes() {
		path := strings.ReplaceAll(r.Path, ":id", strconv.FormatInt(target.ID, 10))
		for role, c := range clients {
			allowed := r.Access.Public || slices.Contains(r.Access.Roles, role)
			var res *apptest.Response
			if r.Method == http.MethodGet {
				res = c.Get(path)
			} else {
				res = c.Post(path, url.Values{})
			}
			if res.Status >= 500 {
				t.Errorf("%s %s as %q: status %d", r.Method, r.Path, role, res.Status)
			}
			switch {
			case allowed && res.Status == http.StatusForbidden && !strings.Contains(res.Body, "学员自助注册暂未开放"):
				t.Errorf("%s %s as %q: 403, but the route allows the role", r.Method, r.Path, role)
			case !allowed && role == "" && !(res.Status == http.StatusSeeOther && strings.HasPrefix(res.Location, "/login")):
				t.Errorf("%s %s anonymous: status %d location %q, want the login page", r.Method, r.Path, res.Status, res.Location)
			case !allowed && role != "" && res.Status != http.StatusForbidden:
				t.Errorf("%s %s as %q: status %d, want 403", r.Method, r.Path, role, res.Status)
			}
			if role != "" && r.Path == "/logout" {
				c.Login("matrix"+role, apptest.Password) // the matrix just signed it out
			}
		}
	}
}
