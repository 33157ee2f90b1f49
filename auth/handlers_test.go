package auth_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partyschool/app/apptest"
	"partyschool/auth"
	"partyschool/web"
)

// wholePhone finds a whole mobile number on a page.
var wholePhone = regexp.MustCompile(`\b1[3-9]\d{9}\b`)

// spaced writes a mobile number the way people type it: 138 1234 5678.
func spaced(phone string) string { return phone[:3] + " " + phone[3:7] + " " + phone[7:] }

// TestLoginWithPhoneNumber: the login form takes the account's mobile
// number, typed with spaces or +86 too, in place of the username, and
// says so.
func TestLoginWithPhoneNumber(t *testing.T) {
	env := apptest.New(t)
	anna := env.CreateUser("trainee", "anna", "安娜")
	phone := *anna.Phone

	form := env.Client().Get("/login")
	if !strings.Contains(form.Body, "用户名或手机号") {
		t.Error("the login form does not say it takes a phone number")
	}
	for _, typed := range []string{phone, spaced(phone), "+86 " + phone, "anna"} {
		c := env.Client()
		res := c.Post("/login", url.Values{"username": {typed}, "password": {apptest.Password}})
		if res.Status != http.StatusSeeOther {
			t.Errorf("sign-in as %q: status %d, want 303", typed, res.Status)
			continue
		}
		if home := c.Get("/"); !strings.Contains(home.Body, "安娜") {
			t.Errorf("sign-in as %q: not signed in as 安娜", typed)
		}
	}
	// A wrong password, and a number nobody has, get the usual answer.
	for _, typed := range []string{phone, "13900000000"} {
		res := env.Client().Post("/login", url.Values{"username": {typed}, "password": {"not the password"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "用户名或密码错误") {
			t.Errorf("wrong password for %q: status %d", typed, res.Status)
		}
	}

	en := env.Client()
	en.Cookies["ps_lang"] = "en"
	if form := en.Get("/login"); !strings.Contains(form.Body, "Username or mobile number") {
		t.Error("the English login form does not say it takes a phone number")
	}
}

// TestLoginByPhoneIsThrottledWithTheAccount: guesses through the phone
// number and through the username count against the same account, so
// switching between them gives no extra tries.
func TestLoginByPhoneIsThrottledWithTheAccount(t *testing.T) {
	env := apptest.New(t)
	anna := env.CreateUser("trainee", "anna", "安娜")
	bob := env.CreateUser("trainee", "bob", "鲍勃")

	tests := []struct {
		name           string
		guesses, right string
		user           *auth.User
	}{
		{"guessed by phone, then the username", *anna.Phone, "anna", anna},
		{"guessed by username, then the phone", "bob", spaced(*bob.Phone), bob},
	}
	for i, tt := range tests {
		attacker := env.Client()
		attacker.IP = "203.0.113." + string(rune('1'+i))
		for n := range auth.MaxAccountFailures {
			// Alternate the ways of naming the account.
			typed := tt.guesses
			if n%2 == 1 {
				typed = tt.right
			}
			if res := attacker.Post("/login", url.Values{"username": {typed}, "password": {"guess"}}); res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: failure %d: status %d", tt.name, n+1, res.Status)
			}
		}
		for _, typed := range []string{tt.right, tt.guesses} {
			res := env.Client().Post("/login", url.Values{"username": {typed}, "password": {apptest.Password}})
			if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "登录失败次数过多") {
				t.Errorf("%s: %q with the right password: status %d, want 429", tt.name, typed, res.Status)
			}
		}
		if n := env.Count(`SELECT count(*) FROM login_failures WHERE username = $1`, tt.user.Username); n < auth.MaxAccountFailures {
			t.Errorf("%s: %d failures recorded against the account", tt.name, n)
		}
	}
	if n := env.Count(`SELECT count(*) FROM sessions`); n != 0 {
		t.Errorf("throttled sign-ins made %d sessions", n)
	}
}

// TestLoginWithALegacyPhoneUsername: an account named after a phone
// number it no longer has still signs in by that name, and the number
// belongs to whoever has it now.
func TestLoginWithALegacyPhoneUsername(t *testing.T) {
	env := apptest.New(t)
	old := env.CreateUser("trainee", "13712345678", "老学员")
	env.DB.MustExec(`UPDATE users SET phone = '13712340000' WHERE id = $1`, old.ID)
	if res := env.Client().Post("/login", url.Values{"username": {"13712345678"}, "password": {apptest.Password}}); res.Status != http.StatusSeeOther {
		t.Errorf("the legacy username: status %d", res.Status)
	}
	now := env.CreateUser("trainee", "newowner", "新号主")
	env.DB.MustExec(`UPDATE users SET phone = '13712345678' WHERE id = $1`, now.ID)
	c := env.Client()
	c.Login("13712345678", apptest.Password)
	if home := c.Get("/"); !strings.Contains(home.Body, "新号主") {
		t.Error("the number did not sign in its owner")
	}
}

// TestUserListMasksPhoneUsernames: accounts named after their phone
// number (before usernames were generated) show only a masked number in
// the admin's user list.
func TestUserListMasksPhoneUsernames(t *testing.T) {
	env := apptest.New(t)
	admin, _ := env.LoginAs("admin", "root1")
	env.CreateUser("trainee", "13712345678", "老学员")
	env.CreateUser("trainee", "13712345679-2", "同号学员")
	res := admin.Get("/users")
	if res.Status != http.StatusOK {
		t.Fatalf("users: %d", res.Status)
	}
	for _, want := range []string{"@137****5678", "@137****5679-2", "老学员"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the user list lacks %q", want)
		}
	}
	if m := wholePhone.FindString(res.Body); m != "" {
		t.Errorf("the user list shows a whole phone number %s", m)
	}
}

func TestMaskUsername(t *testing.T) {
	tests := []struct{ in, want string }{
		{"anna", "anna"},
		{"t1234567", "t1234567"},
		{"13712345678", web.MaskPhone("13712345678")},
		{"13712345678-2", "137****5678-2"},
		{"wang13712345678", "wang137****5678"},
		{"12345678901", "12345678901"}, // not a mobile number
	}
	for _, tt := range tests {
		if got := auth.MaskUsername(tt.in); got != tt.want {
			t.Errorf("MaskUsername(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRegistrationProbingIsThrottled: testing numbers by registering with
// them is stopped after MaxRegistrationFailures refusals from one address;
// then even a good registration from there waits (429, in Chinese,
// nothing written), while other addresses register as usual.
func TestRegistrationProbingIsThrottled(t *testing.T) {
	env := apptest.New(t)
	victim := env.CreateUser("trainee", "victim", "受害人")
	prober := env.Client()
	prober.IP = "203.0.113.50"
	form := func(phone, username string) url.Values {
		return url.Values{"name": {"试探"}, "phone": {phone}, "username": {username}, "password": {"correct horse battery"}}
	}
	for i := range auth.MaxRegistrationFailures {
		res := prober.Post("/register", form(*victim.Phone, "probe"+string(rune('a'+i))))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "这个手机号已经注册过账号") {
			t.Fatalf("probe %d: status %d, want 422 saying the number is taken", i+1, res.Status)
		}
	}
	before := env.Count(`SELECT count(*) FROM users`)
	for _, f := range []url.Values{form(*victim.Phone, "probez"), form("13700009999", "honest")} {
		res := prober.Post("/register", f)
		if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "注册失败次数过多") {
			t.Errorf("after %d refusals: status %d, want 429", auth.MaxRegistrationFailures, res.Status)
		}
		if strings.Contains(res.Body, "这个手机号已经注册过账号") {
			t.Error("a throttled registration still tells whether the number is taken")
		}
	}
	if after := env.Count(`SELECT count(*) FROM users`); after != before {
		t.Errorf("throttled registrations wrote %d accounts", after-before)
	}
	other := env.Client()
	other.IP = "198.51.100.50"
	if res := other.Post("/register", form("13700009999", "honest")); res.Status != http.StatusSeeOther {
		t.Errorf("registration from another address: status %d, want 303", res.Status)
	}
}

// TestRegistrationInAClassroom: forty people behind one address register,
// a few of them with a number or username that has an account already;
// nobody is throttled, and the good registrations leave no failures behind.
func TestRegistrationInAClassroom(t *testing.T) {
	env := apptest.New(t)
	const classroom = "192.0.2.20"
	existing := env.CreateUser("trainee", "already", "已有")
	for i := range 40 {
		c := env.Client()
		c.IP = classroom
		name := "pupil" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		phone := apptest.PhoneOf(name)
		if i%10 == 0 { // one in ten first tries a taken number or username
			f := url.Values{"name": {"学员"}, "phone": {*existing.Phone}, "username": {name}, "password": {"correct horse battery"}}
			if i%20 == 0 {
				f = url.Values{"name": {"学员"}, "phone": {phone}, "username": {"already"}, "password": {"correct horse battery"}}
			}
			if res := c.Post("/register", f); res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s, taken: status %d, want 422", name, res.Status)
			}
		}
		res := c.Post("/register", url.Values{"name": {"学员"}, "phone": {phone}, "username": {name}, "password": {"correct horse battery"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("%s in the classroom: status %d, want 303", name, res.Status)
		}
	}
	if n := env.Count(`SELECT count(*) FROM login_failures WHERE client_ip = $1::inet`, classroom); n != 4 {
		t.Errorf("%d failures recorded for the classroom, want the 4 refused registrations", n)
	}
}

// TestRegistrationRefusesAPhoneAsUsername: a username holding a mobile
// number would clash with sign-in by phone and show the number unmasked.
func TestRegistrationRefusesAPhoneAsUsername(t *testing.T) {
	env := apptest.New(t)
	res := env.Client().Post("/register", url.Values{"name": {"王小明"}, "phone": {"13812345678"}, "username": {"13912345678"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "用户名里不能有手机号") {
		t.Errorf("a phone number as username: status %d", res.Status)
	}
	if n := env.Count(`SELECT count(*) FROM users`); n != 0 {
		t.Errorf("%d accounts written", n)
	}
}
