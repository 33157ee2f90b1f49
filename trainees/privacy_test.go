package trainees_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partyschool/app/apptest"
	"partyschool/dbtest"
	"partyschool/trainees"
)

// A trainee downloads their own data, and only theirs; the download is
// audited as an export of personal data.
func TestMyDataDownload(t *testing.T) {
	env := apptest.NewDemo(t)
	course := openCourse(t, env, "T-DATA", 5, nextWeek(), 6)
	alice, aliceUser := env.LoginAs("trainee", "alice")
	env.LoginAs("trainee", "bob")
	if res := alice.Post("/courses/"+itoa(course)+"/enrol", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("enrol: %d", res.Status)
	}
	res := alice.Get("/my/data.json")
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("download: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	var d struct {
		Account struct {
			Username, Name string
			Phone          *string
		}
		Enrolments []struct {
			Code   string `json:"course_code"`
			Status string
		}
	}
	if err := json.Unmarshal([]byte(res.Body), &d); err != nil {
		t.Fatalf("the download is not JSON: %v", err)
	}
	if d.Account.Username != "alice" || d.Account.Phone == nil || *d.Account.Phone != apptest.PhoneOf("alice") {
		t.Errorf("account in the download: %+v", d.Account)
	}
	if len(d.Enrolments) != 1 || d.Enrolments[0].Code != "T-DATA" || d.Enrolments[0].Status != "enrolled" {
		t.Errorf("enrolments in the download: %+v", d.Enrolments)
	}
	if strings.Contains(res.Body, apptest.PhoneOf("bob")) || strings.Contains(res.Body, `"bob"`) {
		t.Error("alice's download holds bob's data")
	}
	if n := env.Count(`SELECT count(*) FROM audit_log WHERE action = 'personal_data.export' AND actor_id = $1`, aliceUser.ID); n != 1 {
		t.Errorf("%d audit entries for the download", n)
	}
	if res := alice.Get("/my/privacy"); res.Status != http.StatusOK || !strings.Contains(res.Body, `href="/my/data.json"`) {
		t.Errorf("my privacy page: %d", res.Status)
	}
}

// The whole request: asked once (twice changes nothing), declined with an
// answer the trainee reads, asked again, confirmed — and then the account
// names no one, cannot sign in, has left its course (the seat went to the
// first waiting), while its certificate stays on the register.
func TestEraseOnRequest(t *testing.T) {
	env := apptest.NewDemo(t)
	course := openCourse(t, env, "T-ERASE", 1, nextWeek(), 6)
	alice, aliceUser := env.LoginAs("trainee", "alice")
	bob, _ := env.LoginAs("trainee", "bob")
	coord, _ := env.LoginAs("coordinator", "coordx")
	for _, c := range []*apptest.Client{alice, bob} { // alice gets the seat, bob waits
		if res := c.Post("/courses/"+itoa(course)+"/enrol", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("enrol: %d", res.Status)
		}
	}
	env.DB.MustExec(`
		INSERT INTO certificates (prefix, year, number, serial, code, kind, trainee_id, course_id, trainee_name, course_title,
		                          starts_on, ends_on, credit_hours, issued_on)
		VALUES ('TEST', 2026, 1, 'TEST-2026-000001', 'abcdefghijklmnopqrstuvwxyz', 'course', $1, $2, '测试alice', '课程T-ERASE',
		        current_date, current_date, 4, current_date)`, aliceUser.ID, course)

	if res := alice.Post("/my/deletion", url.Values{"reason": {"搬家了"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("request: %d", res.Status)
	}
	if res := alice.Post("/my/deletion", nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "待确认的注销申请") {
		t.Errorf("second request: %d", res.Status)
	}
	list := coord.Get("/trainees/deletions").Body
	if !strings.Contains(list, "测试alice") || !strings.Contains(list, "搬家了") || strings.Contains(list, apptest.PhoneOf("alice")) {
		t.Error("the coordinators' list lacks the request, or shows the whole phone number")
	}
	request := regexp.MustCompile(`/trainees/deletions/(\d+)/erase`).FindStringSubmatch(list)
	if request == nil {
		t.Fatal("no erase button")
	}
	if res := coord.Post("/trainees/deletions/"+request[1]+"/decline", url.Values{"answer": {" "}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("declined without an answer: %d", res.Status)
	}
	if res := coord.Post("/trainees/deletions/"+request[1]+"/decline", url.Values{"answer": {"请先完成本期课程"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d", res.Status)
	}
	if page := alice.Get("/my/privacy").Body; !strings.Contains(page, "请先完成本期课程") {
		t.Error("alice does not see the answer")
	}
	if res := alice.Post("/my/deletion", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("ask again: %d", res.Status)
	}
	request = regexp.MustCompile(`/trainees/deletions/(\d+)/erase`).FindStringSubmatch(coord.Get("/trainees/deletions").Body)
	if res := coord.Post("/trainees/deletions/"+request[1]+"/erase", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("erase: %d", res.Status)
	}
	if res := coord.Post("/trainees/deletions/"+request[1]+"/erase", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("erase twice: %d", res.Status)
	}

	var after struct {
		Name     string  `db:"name"`
		Username string  `db:"username"`
		Phone    *string `db:"phone"`
		Disabled bool    `db:"disabled"`
		Profile  bool    `db:"profile"`
		Sessions int     `db:"sessions"`
	}
	if err := env.DB.Get(&after, `
		SELECT name, username, phone, disabled_at IS NOT NULL AS disabled,
		       EXISTS (SELECT 1 FROM trainees WHERE user_id = u.id) AS profile,
		       (SELECT count(*) FROM sessions WHERE user_id = u.id) AS sessions
		FROM users u WHERE id = $1`, aliceUser.ID); err != nil {
		t.Fatal(err)
	}
	if after.Name != trainees.ErasedName || after.Phone != nil || strings.Contains(after.Username, "alice") || !after.Disabled || after.Profile || after.Sessions != 0 {
		t.Errorf("the erased account: %+v", after)
	}
	if res := alice.Get("/my/schedule"); res.Status != http.StatusSeeOther {
		t.Errorf("alice's old session still works: %d", res.Status)
	}
	var seats []string
	env.DB.Select(&seats, `SELECT u.username || ':' || e.status FROM enrolments e JOIN users u ON u.id = e.trainee_id
		WHERE e.course_id = $1 ORDER BY u.id`, course)
	if strings.Join(seats, " ") != "erased"+itoa(aliceUser.ID)+":withdrawn bob:enrolled" {
		t.Errorf("the course after erasing: %v", seats)
	}
	if n := env.Count(`SELECT count(*) FROM certificates WHERE trainee_id = $1 AND trainee_name = '测试alice' AND status = 'valid'`, aliceUser.ID); n != 1 {
		t.Error("the certificate left the register")
	}
	if n := env.Count(`SELECT count(*) FROM audit_log WHERE action = 'personal_data.erase'`); n != 1 {
		t.Errorf("%d audit entries for the erasure", n)
	}
}

// Two requests sent at once open one.
func TestDeletionRequestedOnce(t *testing.T) {
	db := dbtest.New(t)
	var id int64
	if err := db.Get(&id, `INSERT INTO users (username, name, role, password_hash) VALUES ('carol', '张三', 'trainee', '$argon2id$x') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	store := trainees.NewStore(db)
	errs := dbtest.Concurrently(6, func(int) error { return store.RequestDeletion(t.Context(), id, "", "") })
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if err != trainees.ErrRequestPending {
			t.Errorf("request: %v", err)
		}
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM deletion_requests WHERE user_id = $1`, id)
	if ok != 1 || n != 1 {
		t.Errorf("%d requests accepted, %d stored", ok, n)
	}
}
