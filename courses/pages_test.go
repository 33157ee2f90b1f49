package courses_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partyschool/app/apptest"
	"partyschool/courses"
	"partyschool/web"
)

// csrfField finds the CSRF tokens a page's forms carry.
var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// TestKeptPublicPagesAreFreshAfterAChange: the timetable and the catalogue
// are kept rendered for visitors who are not signed in, and the first
// request after a change has committed — made through the site, or
// straight in the database — shows it. Each visitor gets their own CSRF
// token in a kept page.
func TestKeptPublicPagesAreFreshAfterAChange(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	var s struct {
		ID        int64     `db:"id"`
		Course    int64     `db:"course_id"`
		Code      string    `db:"code"`
		Title     string    `db:"title"`
		Lecturer  int64     `db:"lecturer_id"`
		Venue     int64     `db:"venue_id"`
		Community int64     `db:"community_id"`
		Starts    time.Time `db:"starts_at"`
	}
	err := env.DB.Get(&s, `
		SELECT s.id, s.course_id, c.code, c.title, s.lecturer_id, s.venue_id, v.community_id, s.starts_at
		FROM course_sessions s JOIN courses c ON c.id = s.course_id JOIN venues v ON v.id = s.venue_id
		WHERE c.status = 'published' AND s.starts_at > now() AND s.cancelled_at IS NULL AND v.community_id IS NOT NULL
		ORDER BY s.starts_at LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	week := "/timetable?week=" + web.Day(s.Starts).Format(web.DateLayout)
	search := "/courses?q=" + url.QueryEscape(s.Code)

	// Two visitors, each with a token of their own, and one who comes
	// without any: every page carries the token of the browser it goes to.
	alice, bob, carl := env.Client(), env.Client(), env.Client()
	alice.Get("/")
	bob.Get("/")
	for i, v := range []*apptest.Client{alice, bob, carl, alice} {
		for _, path := range []string{week, search} {
			res := v.Get(path)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, s.Title) {
				t.Fatalf("visitor %d, GET %s: %d, %s missing", i, path, res.Status, s.Title)
			}
			tokens := csrfField.FindAllStringSubmatch(res.Body, -1)
			if len(tokens) == 0 {
				t.Fatalf("GET %s: no form with a CSRF token", path)
			}
			for _, m := range tokens {
				if m[1] != v.Cookies["ps_csrf"] {
					t.Errorf("visitor %d, GET %s: a form carries the token %q, the browser holds %q", i, path, m[1], v.Cookies["ps_csrf"])
				}
			}
		}
	}
	if alice.Cookies["ps_csrf"] == bob.Cookies["ps_csrf"] {
		t.Fatal("two browsers share a CSRF token")
	}

	// The pages are kept: a change that raises no count (the triggers
	// off, as on a replica) is not seen.
	quietly := func(query string, args ...any) {
		t.Helper()
		tx := env.DB.MustBegin()
		tx.MustExec(`SET LOCAL session_replication_role = replica`)
		tx.MustExec(query, args...)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	quietly(`UPDATE courses SET title = '悄悄改名' WHERE id = $1`, s.Course)
	if res := alice.Get(week); strings.Contains(res.Body, "悄悄改名") {
		t.Fatal("the timetable was not kept: the test below would prove nothing")
	}
	if res := bob.Get(search); strings.Contains(res.Body, "悄悄改名") {
		t.Fatal("the catalogue was not kept: the test below would prove nothing")
	}

	// Each change that committed is on the next page, whichever table it
	// was in and however it was made.
	changes := []struct {
		name  string
		query string
		arg   int64
		want  string
		path  string
	}{
		{"course renamed", `UPDATE courses SET title = '楼道议事新规实训' WHERE id = $1`, s.Course, "楼道议事新规实训", week},
		{"course renamed, catalogue", `UPDATE courses SET title = '楼道议事再改名' WHERE id = $1`, s.Course, "楼道议事再改名", search},
		{"topic changed", `UPDATE course_sessions SET topic = '新议题：加装电梯' WHERE id = $1`, s.ID, "新议题：加装电梯", week},
		{"lecturer renamed", `UPDATE lecturers SET name = '王改名' WHERE id = $1`, s.Lecturer, "王改名", week},
		{"venue renamed", `UPDATE venues SET name = '新邻里驿站' WHERE id = $1`, s.Venue, "新邻里驿站", week},
		{"community renamed", `UPDATE communities SET name = '新长城花园社区' WHERE id = $1`, s.Community, "新长城花园社区", week},
	}
	for _, c := range changes {
		alice.Get(c.path) // kept before the change
		env.DB.MustExec(c.query, c.arg)
		if res := alice.Get(c.path); !strings.Contains(res.Body, c.want) {
			t.Errorf("%s: GET %s right after does not show %q", c.name, c.path, c.want)
		}
	}

	// Through the site: a draft published is in the catalogue at once,
	// and a cancelled session is marked on the timetable.
	var draft struct {
		ID    int64  `db:"id"`
		Code  string `db:"code"`
		Title string `db:"title"`
	}
	if err := env.DB.Get(&draft, `SELECT id, code, title FROM courses WHERE status = 'draft' ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	drafts := "/courses?q=" + url.QueryEscape(draft.Code)
	if res := alice.Get(drafts); strings.Contains(res.Body, draft.Title) {
		t.Fatal("the public catalogue lists a draft")
	}
	if res := coord.Post("/courses/"+itoa(draft.ID)+"/status", url.Values{"status": {"published"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.Status)
	}
	if res := alice.Get(drafts); !strings.Contains(res.Body, draft.Title) {
		t.Error("a course just published is missing from the catalogue")
	}
	cancelled := `badge-cancel`
	if res := alice.Get(week); strings.Contains(res.Body, cancelled) {
		t.Fatal("a session is cancelled before the test cancels one")
	}
	if res := coord.Post("/sessions/"+itoa(s.ID)+"/cancel", url.Values{"reason": {"台风停课"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	if res := alice.Get(week); !strings.Contains(res.Body, cancelled) {
		t.Error("a session just cancelled is not marked on the timetable")
	}

	// Signed in, the coordinator never gets the visitors' page: drafts
	// and the status filter are theirs.
	if res := coord.Get("/courses"); !strings.Contains(res.Body, `name="status"`) {
		t.Error("the coordinator got the public catalogue")
	}
}

// TestPublicChangesRiseAtCommit: the counts are raised by a transaction's
// commit, not before, and once however many rows it changed; an enrolment
// raises the count of seats alone.
func TestPublicChangesRiseAtCommit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	count := func() courses.Changes {
		t.Helper()
		ch, err := w.store.PublicChanges(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	before := count()
	tx := w.db.MustBegin()
	tx.MustExec(`UPDATE courses SET title = '改名一' WHERE id = $1`, w.course)
	tx.MustExec(`UPDATE lecturers SET name = name || '老师'`)
	tx.MustExec(`UPDATE venues SET address = '一号楼'`)
	if got := count(); got != before {
		t.Errorf("counts %+v before the commit, want %+v", got, before)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	want := courses.Changes{Shown: before.Shown + 1, Seats: before.Seats}
	if got := count(); got != want {
		t.Errorf("counts %+v after one transaction, want %+v", got, want)
	}
	tx = w.db.MustBegin()
	tx.MustExec(`UPDATE courses SET title = '改名二' WHERE id = $1`, w.course)
	tx.Rollback()
	if got := count(); got != want {
		t.Errorf("counts %+v after a rollback, want %+v", got, want)
	}
	// An enrolment changes the seats the catalogue shows, nothing else.
	var trainee int64
	w.db.Get(&trainee, `INSERT INTO users (username, name, role, password_hash) VALUES ('trainee1', '学员一', 'trainee', '$argon2id$x') RETURNING id`)
	w.db.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, w.course, trainee)
	want.Seats++
	if got := count(); got != want {
		t.Errorf("counts %+v after an enrolment, want %+v", got, want)
	}
	// A change to the seats and to the course at once raises both.
	w.db.MustExec(`UPDATE courses SET capacity = capacity + 1, enrolled = enrolled WHERE id = $1`, w.course)
	want.Shown++
	if got := count(); got != want {
		t.Errorf("counts %+v after a change of capacity, want %+v", got, want)
	}
	tx = w.db.MustBegin()
	tx.MustExec(`UPDATE courses SET enrolled = enrolled - 1, title = '改名三' WHERE id = $1`, w.course)
	tx.MustExec(`UPDATE courses SET enrolled = enrolled + 1 WHERE id = $1`, w.course)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	want.Shown++
	want.Seats++
	if got := count(); got != want {
		t.Errorf("counts %+v after seats and title in one transaction, want %+v", got, want)
	}
}

// TestKeptPagesUnderConcurrentChanges: visitors load the catalogue while
// a coordinator renames the course again and again; no answer to a
// request made after a rename committed shows an older name.
func TestKeptPagesUnderConcurrentChanges(t *testing.T) {
	env := apptest.NewDemo(t)
	var course struct {
		ID   int64  `db:"id"`
		Code string `db:"code"`
	}
	if err := env.DB.Get(&course, `SELECT id, code FROM courses WHERE status = 'published' ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	path := "/courses?q=" + url.QueryEscape(course.Code)
	version := regexp.MustCompile(`并发改名第(\d+)版`)
	var committed atomic.Int64 // the last rename known to have committed
	env.DB.MustExec(`UPDATE courses SET title = '并发改名第0版' WHERE id = $1`, course.ID)

	const renames, visitors = 40, 8
	start := make(chan struct{})
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, visitors)
	for range visitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := env.Client()
			<-start
			for {
				select {
				case <-done:
					return
				default:
				}
				floor := committed.Load()
				res := v.Get(path)
				m := version.FindStringSubmatch(res.Body)
				if res.Status != http.StatusOK || m == nil {
					errs <- fmt.Sprintf("GET %s: %d, no title", path, res.Status)
					return
				}
				if n, _ := strconv.ParseInt(m[1], 10, 64); n < floor {
					errs <- fmt.Sprintf("rename %d had committed, the page shows %d", floor, n)
					return
				}
			}
		}()
	}
	close(start)
	for i := int64(1); i <= renames; i++ {
		env.DB.MustExec(`UPDATE courses SET title = $2 WHERE id = $1`, course.ID, fmt.Sprintf("并发改名第%d版", i))
		committed.Store(i)
		time.Sleep(2 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestMyScheduleIsFreshAfterAChange: the sessions of a trainee's courses
// are kept for everyone on them, and a change to a session, the course or
// its lecturer is on the trainee's next view of my schedule.
func TestMyScheduleIsFreshAfterAChange(t *testing.T) {
	env := apptest.NewDemo(t)
	monday := web.WeekStart(time.Now())
	var s struct {
		ID       int64 `db:"id"`
		Course   int64 `db:"course_id"`
		Lecturer int64 `db:"lecturer_id"`
	}
	err := env.DB.Get(&s, `
		SELECT s.id, s.course_id, s.lecturer_id FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE c.status = 'published' AND s.starts_at >= $1 AND s.starts_at < $2 AND s.cancelled_at IS NULL
		ORDER BY s.starts_at LIMIT 1`, monday, monday.AddDate(0, 0, 28))
	if err != nil {
		t.Fatal(err)
	}
	tina, u := env.LoginAs("trainee", "tina")
	tom, v := env.LoginAs("trainee", "tom")
	for _, id := range []int64{u.ID, v.ID} {
		env.DB.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, s.Course, id)
	}
	schedule := "/my/schedule"
	for _, c := range []*apptest.Client{tina, tom, tina} {
		if res := c.Get(schedule); res.Status != http.StatusOK || !strings.Contains(res.Body, `href="/courses/`+itoa(s.Course)+`"`) {
			t.Fatalf("my schedule: %d, the course's session is missing", res.Status)
		}
	}
	// Kept: a change that raises no count is not seen.
	tx := env.DB.MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`UPDATE course_sessions SET topic = '悄悄改的议题' WHERE id = $1`, s.ID)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if res := tom.Get(schedule); strings.Contains(res.Body, "悄悄改的议题") {
		t.Fatal("the sessions were not kept: the test below would prove nothing")
	}
	for _, c := range []struct{ query, want string }{
		{`UPDATE course_sessions SET topic = '加装电梯议事' WHERE id = $1`, "加装电梯议事"},
		{`UPDATE courses SET title = '我的课改了名' WHERE id = (SELECT course_id FROM course_sessions WHERE id = $1)`, "我的课改了名"},
		{`UPDATE lecturers SET name = '换了名的老师' WHERE id = (SELECT lecturer_id FROM course_sessions WHERE id = $1)`, "换了名的老师"},
	} {
		tina.Get(schedule)
		env.DB.MustExec(c.query, s.ID)
		for _, v := range []*apptest.Client{tina, tom} {
			if res := v.Get(schedule); !strings.Contains(res.Body, c.want) {
				t.Errorf("%q: my schedule right after does not show it", c.want)
			}
		}
	}
	// A course back in draft leaves the schedule (its sessions stay kept,
	// of every status, and are chosen by status for the page).
	env.DB.MustExec(`UPDATE courses SET status = 'draft' WHERE id = $1`, s.Course)
	if res := tina.Get(schedule); strings.Contains(res.Body, "加装电梯议事") {
		t.Error("a draft's session is still on my schedule")
	}
}

// TestAnEnrolmentRefreshesTheCatalogueOnly: the seats left are on the
// catalogue at once, while the timetable, which shows no seats, stays
// kept through a rush of enrolments.
func TestAnEnrolmentRefreshesTheCatalogueOnly(t *testing.T) {
	env := apptest.NewDemo(t)
	var s struct {
		Course int64     `db:"course_id"`
		Code   string    `db:"code"`
		Starts time.Time `db:"starts_at"`
	}
	err := env.DB.Get(&s, `
		SELECT s.course_id, c.code, s.starts_at FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE c.status = 'published' AND s.starts_at > now() ORDER BY s.starts_at LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	env.DB.MustExec(`UPDATE courses SET enrol_opens = now() - interval '1 day', enrol_closes = now() + interval '1 day',
		capacity = enrolled + 5 WHERE id = $1`, s.Course)
	week := "/timetable?week=" + web.Day(s.Starts).Format(web.DateLayout)
	search := "/courses?q=" + url.QueryEscape(s.Code)
	anon := env.Client()
	if res := anon.Get(search); !strings.Contains(res.Body, "余 5 个名额") {
		t.Fatalf("the catalogue does not show 5 seats left")
	}
	anon.Get(week)
	tx := env.DB.MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`UPDATE courses SET title = '悄悄改名' WHERE id = $1`, s.Course)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	trainee := env.CreateUser("trainee", "tess", "学员苔丝")
	env.DB.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, s.Course, trainee.ID)
	if res := anon.Get(search); !strings.Contains(res.Body, "余 4 个名额") {
		t.Error("the catalogue right after an enrolment does not show 4 seats left")
	}
	if res := anon.Get(week); strings.Contains(res.Body, "悄悄改名") {
		t.Error("an enrolment made the timetable render again")
	}
}
