package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"partyschool/i18n"
	"partyschool/seed"
	"partyschool/web"
)

// schoolName is the name of the school in a new database.
const schoolName = "社区党校 · 社区实训基地"

// roleWords is what each role must see, written out, so that a broken
// catalogue or navigation fails the test even where both sides of a
// comparison come from them: the role badge in the header, and links the
// main navigation must hold, in this order. "" is a visitor not signed in.
var roleWords = map[string]struct {
	badge string
	nav   []string
}{
	"":                  {"", []string{"首页", "课程", "课表", "讲师队伍", "登录"}},
	web.RoleTrainee:     {"学员", []string{"首页", "我的课表", "签到", "课程", "我的账户", "退出登录"}},
	web.RoleLecturer:    {"讲师", []string{"首页", "我的授课", "课表", "课程", "我的账户", "退出登录"}},
	web.RoleCoordinator: {"培训管理员", []string{"首页", "课程", "课表", "讲师队伍", "场地管理", "人员名单", "我的账户", "退出登录"}},
	web.RoleAdmin:       {"系统管理员", []string{"首页", "课程", "课表", "讲师队伍", "场地管理", "人员名单", "系统设置", "我的账户", "退出登录"}},
}

// zh returns the Chinese text of a catalogue key, failing the test if the
// catalogue lacks it.
func zh(t testing.TB, key string) string {
	t.Helper()
	if !i18n.Has(i18n.Chinese, key) {
		t.Errorf("the Chinese catalogue has no %q", key)
	}
	return i18n.T(i18n.Chinese, key)
}

// navFor returns the main navigation's links for role ("" for a visitor
// not signed in) as package web defines them.
func navFor(role string) []web.NavItem {
	p := &web.Page{Lang: i18n.Chinese, Path: "/"}
	if role != "" {
		p.Viewer = &web.Viewer{Role: role}
	}
	return p.Nav()
}

// navLabels returns what the main navigation shows role: the labels of its
// links, then 登录, or the 退出登录 button of the header.
func navLabels(t testing.TB, role string) []string {
	t.Helper()
	var labels []string
	for _, item := range navFor(role) {
		labels = append(labels, zh(t, item.Key))
	}
	if role == "" {
		return append(labels, zh(t, "nav.login"))
	}
	return append(labels, zh(t, "nav.logout"))
}

// checkNav checks that the page's main navigation is exactly role's.
func checkNav(t *testing.T, p page, role string) {
	t.Helper()
	who := "a visitor who is not signed in"
	if role != "" {
		who = "the role " + role
	}
	if want := navLabels(t, role); !slices.Equal(p.Nav, want) {
		t.Errorf("on %s the main navigation shows %q, want %q for %s", p.URL, p.Nav, want, who)
	}
	if want := roleWords[role].nav; !isSubsequence(want, p.Nav) {
		t.Errorf("on %s the main navigation shows %q, want it to hold %q for %s", p.URL, p.Nav, want, who)
	}
}

// isSubsequence reports whether every item of want is in got, in order.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// checkSignedIn checks that the header and the navigation are those of
// the user name, holding role.
func checkSignedIn(t *testing.T, p page, name, role string) {
	t.Helper()
	if p.User != name {
		t.Errorf("on %s the header shows the user %q, want %q", p.URL, p.User, name)
	}
	if want := zh(t, "role."+role); p.Badge != want || p.Badge != roleWords[role].badge {
		t.Errorf("on %s the header shows the role %q, want %q (written out: %q)", p.URL, p.Badge, want, roleWords[role].badge)
	}
	checkNav(t, p, role)
}

// checkSignedOut checks that the header names no one and that the
// navigation offers to sign in.
func checkSignedOut(t *testing.T, p page) {
	t.Helper()
	if p.User != "" || p.Badge != "" {
		t.Errorf("on %s the header shows %q %q, want no one signed in", p.URL, p.User, p.Badge)
	}
	checkNav(t, p, "")
}

// TestDemoRolesOnPhone walks each demo account through the site on a
// phone: the home page, signing in, every page of its navigation, and
// signing out.
func TestDemoRolesOnPhone(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	for _, acct := range seed.DemoAccounts {
		t.Run(acct.Username, func(t *testing.T) {
			t.Parallel()
			v := s.newVisitor(t, acct.Username)

			home := v.open("/")
			v.checkPage(home, "home", http.StatusOK)
			if home.H1 != schoolName {
				t.Errorf("the home page's heading is %q, want the school's name %q", home.H1, schoolName)
			}
			checkSignedOut(t, home)

			login := v.open("/login")
			v.checkPage(login, "login", http.StatusOK)
			if want := zh(t, "login.title"); login.H1 != want || login.Current != want {
				t.Errorf("/login shows the heading %q and marks %q in the navigation, want %q for both", login.H1, login.Current, want)
			}

			after := v.signIn(acct.Username, seed.DemoPassword)
			v.checkPage(after, "signed-in", http.StatusOK)
			if after.Path() != "/" || after.Alert != "" {
				t.Fatalf("signing in as %s led to %s with the message %q, want the home page", acct.Username, after.URL, after.Alert)
			}
			checkSignedIn(t, after, acct.Name, acct.Role)

			for _, item := range navFor(acct.Role) {
				label := zh(t, item.Key)
				p := v.click("click "+label+" in the main navigation", `nav.site-nav a[href="`+item.Href+`"]`)
				v.checkPage(p, slug(item.Href), http.StatusOK)
				if p.Path() != item.Href {
					t.Errorf("the link %s led to %s, want %s", label, p.URL, item.Href)
				}
				if p.Current != label {
					t.Errorf("on %s the navigation marks %q as the current page, want %q", p.URL, p.Current, label)
				}
				checkSignedIn(t, p, acct.Name, acct.Role)
			}

			out := v.click("sign out", ".site-header .logout-button")
			v.checkPage(out, "signed-out", http.StatusOK)
			if out.Path() != "/" {
				t.Errorf("signing out led to %s, want the home page", out.URL)
			}
			checkSignedOut(t, out)
		})
	}
}

// TestAccessOnPhone checks what a visitor sees where their role may not go.
func TestAccessOnPhone(t *testing.T) {
	t.Parallel()
	s := newSite(t)

	t.Run("coordinator gets 403 on the settings", func(t *testing.T) {
		t.Parallel()
		v := s.newVisitor(t, "coordinator-settings")
		v.open("/login")
		v.signIn("coordinator", seed.DemoPassword)

		p := v.open("/admin/settings")
		v.checkPage(p, "forbidden", http.StatusForbidden)
		if !p.ErrorPage || p.H1 != "无权访问" || p.H1 != zh(t, "error.title.403") {
			t.Errorf("/admin/settings shows %q (error page: %t), want the error page 无权访问", p.H1, p.ErrorPage)
		}
		if !strings.HasPrefix(p.Title, "无权访问") {
			t.Errorf("the 403 page is titled %q, want it to start with 无权访问", p.Title)
		}
		checkSignedIn(t, p, demoName(t, "coordinator"), web.RoleCoordinator)
	})

	t.Run("anonymous account visit signs in and comes back", func(t *testing.T) {
		t.Parallel()
		v := s.newVisitor(t, "anonymous-account")
		login := v.open("/account")
		v.checkPage(login, "login", http.StatusOK)
		u, err := url.Parse(login.URL)
		if err != nil || u.Path != "/login" || u.Query().Get("next") != "/account" {
			t.Fatalf("/account led a visitor not signed in to %s, want /login?next=/account", login.URL)
		}
		if login.H1 != zh(t, "login.title") {
			t.Errorf("the sign-in page's heading is %q, want %q", login.H1, zh(t, "login.title"))
		}

		p := v.signIn("trainee", seed.DemoPassword)
		v.checkPage(p, "account", http.StatusOK)
		if p.Path() != "/account" || p.H1 != zh(t, "account.title") {
			t.Errorf("after signing in the trainee is on %s with the heading %q, want /account and %q", p.URL, p.H1, zh(t, "account.title"))
		}
		checkSignedIn(t, p, demoName(t, "trainee"), web.RoleTrainee)
	})
}

// TestLargeTextOnPhone turns on the large text (适老化模式) and checks that
// it is large, that it lasts past signing in, and that the longest
// navigation, the administrator's, still fits the phone.
func TestLargeTextOnPhone(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	v := s.newVisitor(t, "large-text")

	home := v.open("/")
	if home.TextSize != "大字模式" || home.TextSize != zh(t, "layout.text.large") || home.LargeText {
		t.Fatalf("the footer offers %q (large text on: %t), want the button 大字模式", home.TextSize, home.LargeText)
	}
	p := v.click("click 大字模式", `.site-footer form[action="/preferences/text-size"] button`)
	v.checkPage(p, "home", http.StatusOK)
	checkLargeText(t, p)

	v.open("/login")
	p = v.signIn("admin", seed.DemoPassword)
	v.checkPage(p, "signed-in", http.StatusOK)
	checkLargeText(t, p)
	for _, item := range navFor(web.RoleAdmin) {
		p := v.click("click "+zh(t, item.Key)+" in the main navigation", `nav.site-nav a[href="`+item.Href+`"]`)
		v.checkPage(p, slug(item.Href), http.StatusOK)
		checkLargeText(t, p)
	}
}

// checkLargeText checks that the page is in large text, and offers the
// standard size back.
func checkLargeText(t *testing.T, p page) {
	t.Helper()
	if !p.LargeText || p.FontSize < 18 {
		t.Errorf("on %s the body's class large-text is %t and its font is %g px, want large text of at least 18 px", p.URL, p.LargeText, p.FontSize)
	}
	if want := zh(t, "layout.text.normal"); p.TextSize != want {
		t.Errorf("on %s the footer offers %q, want %q", p.URL, p.TextSize, want)
	}
}

// demoName returns the name of the demo account username.
func demoName(t testing.TB, username string) string {
	t.Helper()
	for _, a := range seed.DemoAccounts {
		if a.Username == username {
			return a.Name
		}
	}
	t.Fatalf("no demo account %q", username)
	return ""
}

// slug names a screenshot after a path: "/admin/settings" is "admin-settings".
func slug(path string) string {
	s := strings.ReplaceAll(strings.Trim(path, "/"), "/", "-")
	if s == "" {
		return "home"
	}
	return s
}
