package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/auth"
)

// City is the size of the dataset: a city running one school for all its
// communities (issue "make bench").
var City = struct {
	Communities, Venues, Lecturers, Trainees, Courses, SessionsPerCourse int
	CoursesPerTrainee, Marks                                             int
}{50, 100, 300, 20000, 2000, 20, 3, 300000}

// BenchPassword is the password of every generated account.
const BenchPassword = "bench password"

// loadCity fills an empty, migrated database with the city, in a handful of
// set-based statements. Sessions never clash: course c has a session on
// each of 20 consecutive days from day c·345/2000 of the year around
// today; its lecturer is c mod 300 (two courses sharing one start at
// least 51 days apart) and its venue c mod 100 at slot (c/100) mod 3
// (courses sharing a venue and slot start at least 51 days apart too).
//
// Every trainee has a profile and asks for 3 published courses a third of
// the year apart (every 10th trainee also for one of 9 popular courses);
// each course seats its first askers up to its capacity and waitlists the
// rest, so the seat trigger and its CHECK hold throughout. Attendance
// sheets are recorded for about half of the past sessions, whole sheets in
// a scattered order, up to 300,000 marks, mostly present.
func loadCity(ctx context.Context, db *sqlx.DB) error {
	hash, err := auth.HashPassword(ctx, BenchPassword)
	if err != nil {
		return err
	}
	first := time.Now().AddDate(0, 0, -180).Format("2006-01-02")
	steps := []struct {
		what  string
		query string
		args  []any
	}{
		{"communities", `
			INSERT INTO communities (name, district)
			SELECT '第' || g || '社区', '第' || (g % 10 + 1) || '街道' FROM generate_series(1, $1) g`,
			[]any{City.Communities}},
		{"venues", `
			INSERT INTO venues (name, community_id, address, seats)
			SELECT '党群服务中心 ' || g || ' 号教室', (SELECT id FROM communities ORDER BY id OFFSET (g - 1) % $2::int LIMIT 1),
			       '幸福路 ' || g || ' 号', 40 + g % 40
			FROM generate_series(1, $1) g`,
			[]any{City.Venues, City.Communities}},
		{"users", `
			INSERT INTO users (username, name, phone, role, password_hash)
			SELECT 'trainee' || lpad(g::text, 5, '0'), '学员' || g, '139' || lpad(g::text, 8, '0'), 'trainee', $2
			FROM generate_series(1, $1) g
			UNION ALL
			SELECT 'lecturer' || lpad(g::text, 3, '0'), '讲师' || g, '137' || lpad(g::text, 8, '0'), 'lecturer', $2
			FROM generate_series(1, $3) g
			UNION ALL
			SELECT 'coordinator', '培训管理员', NULL, 'coordinator', $2`,
			[]any{City.Trainees, hash, City.Lecturers}},
		{"lecturers", `
			INSERT INTO lecturers (name, team, title, organisation, community_id, phone, topics, bio, user_id)
			SELECT '讲师' || g, (ARRAY['expert','grassroots','senior'])[g % 3 + 1], '社区党委书记', '第' || g % 50 || '社区党委',
			       (SELECT id FROM communities ORDER BY id OFFSET g % $2::int LIMIT 1), '137' || lpad(g::text, 8, '0'),
			       ARRAY['基层党建', (ARRAY['社区治理','政策解读','矛盾调解','养老服务'])[g % 4 + 1]],
			       '长期在社区一线工作。', (SELECT id FROM users WHERE username = 'lecturer' || lpad(g::text, 3, '0'))
			FROM generate_series(1, $1) g`,
			[]any{City.Lecturers, City.Communities}},
		{"courses", `
			INSERT INTO courses (code, title, category, description, community_id, capacity, starts_on, ends_on,
			                     enrol_opens, enrol_closes, credit_hours, status)
			SELECT 'B-' || lpad(c::text, 5, '0'), '城市社区治理专题培训 第' || c || '期',
			       (ARRAY['policy','practice','exchange','mentoring'])[c % 4 + 1], '面向社区工作者的专题培训。',
			       (SELECT id FROM communities ORDER BY id OFFSET c % $2::int LIMIT 1), 30 + c % 71,
			       $3::date + c * 345 / $1::int, $3::date + c * 345 / $1::int + $4::int - 1,
			       ($3::date + c * 345 / $1::int - 14)::timestamptz, ($3::date + c * 345 / $1::int - 1)::timestamptz,
			       $4::int * 2, CASE WHEN c % 20 = 0 THEN 'draft' WHEN c % 20 = 1 THEN 'closed' ELSE 'published' END
			FROM generate_series(0, $1::int - 1) c`,
			[]any{City.Courses, City.Communities, first, City.SessionsPerCourse}},
		{"sessions", `
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
			SELECT co.id, l.id, v.id,
			       ((co.starts_on + k) + make_interval(hours => (ARRAY[9, 14, 19])[(c / 100) % 3 + 1])) AT TIME ZONE 'Asia/Shanghai',
			       ((co.starts_on + k) + make_interval(hours => (ARRAY[11, 16, 21])[(c / 100) % 3 + 1])) AT TIME ZONE 'Asia/Shanghai',
			       '第' || (k + 1) || '讲'
			FROM generate_series(0, $1::int - 1) c
			CROSS JOIN generate_series(0, $2::int - 1) k
			JOIN courses co ON co.code = 'B-' || lpad(c::text, 5, '0')
			JOIN LATERAL (SELECT id FROM lecturers ORDER BY id OFFSET c % $3::int LIMIT 1) l ON true
			JOIN LATERAL (SELECT id FROM venues ORDER BY id OFFSET c % $4::int LIMIT 1) v ON true`,
			[]any{City.Courses, City.SessionsPerCourse, City.Lecturers, City.Venues}},
		{"trainee profiles", `
			INSERT INTO trainees (user_id, gender, community_id, organisation, kind, party_branch)
			SELECT u.id, (ARRAY['female', 'male'])[g % 2 + 1], m.id, m.name || '居委会',
			       (ARRAY['party_member', 'party_member', 'party_member', 'party_member', 'community_worker',
			              'community_worker', 'resident', 'resident', 'resident', 'volunteer'])[g % 10 + 1],
			       CASE WHEN g % 10 < 4 THEN m.name || '第' || (g / 10 % 3 + 1) || '党支部' ELSE '' END
			FROM generate_series(1, $1) g
			JOIN users u ON u.username = 'trainee' || lpad(g::text, 5, '0')
			JOIN (SELECT id, name, row_number() OVER (ORDER BY id) - 1 AS n FROM communities) m ON m.n = g % $2::int`,
			[]any{City.Trainees, City.Communities}},
		{"enrolments", `
			WITH pub AS (
				SELECT id, capacity, enrol_opens, row_number() OVER (ORDER BY id) - 1 AS r
				FROM courses WHERE status = 'published'),
			n AS (SELECT count(*) AS n FROM pub),
			tr AS (SELECT id, row_number() OVER (ORDER BY id) AS t FROM users WHERE role = 'trainee'),
			asked AS (
				SELECT p.id AS course_id, tr.id AS trainee_id, tr.t
				FROM tr CROSS JOIN generate_series(0, $1::int - 1) k
				JOIN pub p ON p.r = (tr.t + k * (SELECT n FROM n) / $1::int) % (SELECT n FROM n)
				UNION
				SELECT p.id, tr.id, tr.t
				FROM tr JOIN pub p ON p.r = 100 + 200 * (tr.t / 10 % 9)
				WHERE tr.t % 10 = 0),
			ranked AS (
				SELECT a.course_id, a.trainee_id, p.capacity, p.enrol_opens,
				       row_number() OVER (PARTITION BY a.course_id ORDER BY a.t * 7919 % 10007, a.t) AS rank
				FROM asked a JOIN pub p ON p.id = a.course_id)
			INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at)
			SELECT course_id, trainee_id, CASE WHEN rank <= capacity THEN 'enrolled' ELSE 'waitlisted' END,
			       CASE WHEN rank <= capacity THEN least(enrol_opens + rank * interval '1 minute', now()) END
			FROM ranked
			ORDER BY course_id, rank`,
			[]any{City.CoursesPerTrainee}},
		{"attendance", `
			INSERT INTO attendance (session_id, trainee_id, status, recorded_by, recorded_at)
			SELECT s.id, e.trainee_id,
			       CASE WHEN (s.id + e.trainee_id * 7) % 100 < 80 THEN 'present'
			            WHEN (s.id + e.trainee_id * 7) % 100 < 87 THEN 'late'
			            WHEN (s.id + e.trainee_id * 7) % 100 < 93 THEN 'excused' ELSE 'absent' END,
			       l.user_id, s.ends_at
			FROM enrolments e
			JOIN course_sessions s ON s.course_id = e.course_id AND s.ends_at < now()
			JOIN lecturers l ON l.id = s.lecturer_id
			WHERE e.status = 'enrolled'
			ORDER BY s.id * 7919 % 10007, s.id, e.trainee_id
			LIMIT $1`,
			[]any{City.Marks}},
	}
	for _, s := range steps {
		if _, err := db.ExecContext(ctx, s.query, s.args...); err != nil {
			return fmt.Errorf("load %s: %w", s.what, err)
		}
	}
	for _, c := range benchCourses {
		if err := loadBenchCourse(ctx, db, c); err != nil {
			return fmt.Errorf("load course %s: %w", c.Code, err)
		}
	}
	_, err = db.ExecContext(ctx, `VACUUM ANALYZE`)
	return err
}

// benchCourse is a course added to the city for the attendance
// measurements, after the city's own marks: Sessions daily sessions of
// 06:00–07:30 (Shanghai; no city session starts before 09:00, so neither
// the lecturer nor the venue clashes) ending LastDay days before today,
// taught by the account Lecturer in the venue Venue (1-based), and Seats
// trainees on it, the course full. The seated trainees are the last by id
// who wait for no seat anywhere (so my schedule's trainee, who waits, is
// none of them), after the Skip before them. MarkPercent of the cells of
// the sessions (all but the last one when SkipLast) have a mark.
type benchCourse struct {
	Code, Title, Lecturer    string
	Venue, Sessions, LastDay int
	Seats, Skip, MarkPercent int
	SkipLast                 bool
}

var benchCourses = []benchCourse{
	// Its last session, yesterday, is the sheet saved under load: within
	// the lock period, so its lecturer may still save it; no mark yet.
	{Code: "BENCH-SHEET", Title: "考勤点名测试班", Lecturer: "lecturer001", Venue: 1,
		Sessions: 6, LastDay: 1, Seats: 40, Skip: 0, MarkPercent: 100, SkipLast: true},
	// The course report of 200 trainees × 40 held sessions.
	{Code: "BENCH-REPORT", Title: "考勤报表测试班", Lecturer: "lecturer002", Venue: 2,
		Sessions: 40, LastDay: 2, Seats: 200, Skip: 40, MarkPercent: 90},
}

// loadBenchCourse adds c: the course, its sessions, its trainees, marks.
func loadBenchCourse(ctx context.Context, db *sqlx.DB, c benchCourse) error {
	steps := []struct {
		what  string
		query string
		args  []any
	}{
		{"course", `
			WITH d AS (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date - $4::int AS last)
			INSERT INTO courses (code, title, category, description, community_id, capacity, starts_on, ends_on,
			                     enrol_opens, enrol_closes, credit_hours, status)
			SELECT $1, $2, 'practice', '考勤测量用的课程。', (SELECT min(id) FROM communities), $3,
			       d.last - ($5::int - 1), d.last,
			       (d.last - ($5::int - 1) - 14)::timestamptz, (d.last - ($5::int - 1) - 1)::timestamptz,
			       $5::int * 1.5, 'published'
			FROM d`,
			[]any{c.Code, c.Title, c.Seats, c.LastDay, c.Sessions}},
		{"sessions", `
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
			SELECT co.id, l.id, (SELECT id FROM venues ORDER BY id OFFSET $3::int - 1 LIMIT 1),
			       ((co.starts_on + k) + time '06:00') AT TIME ZONE 'Asia/Shanghai',
			       ((co.starts_on + k) + time '07:30') AT TIME ZONE 'Asia/Shanghai',
			       '第' || (k + 1) || '讲'
			FROM courses co
			CROSS JOIN generate_series(0, co.ends_on - co.starts_on) k
			JOIN lecturers l ON l.user_id = (SELECT id FROM users WHERE username = $2)
			WHERE co.code = $1`,
			[]any{c.Code, c.Lecturer, c.Venue}},
		{"enrolments", `
			INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at)
			SELECT co.id, u.id, 'enrolled', co.enrol_opens + interval '1 minute'
			FROM courses co,
			     LATERAL (SELECT id FROM users u
			              WHERE role = 'trainee'
			                AND NOT EXISTS (SELECT 1 FROM enrolments w WHERE w.trainee_id = u.id AND w.status = 'waitlisted')
			              ORDER BY id DESC OFFSET $2 LIMIT $3) u
			WHERE co.code = $1`,
			[]any{c.Code, c.Skip, c.Seats}},
		{"marks", `
			INSERT INTO attendance (session_id, trainee_id, status, recorded_by, recorded_at)
			SELECT s.id, e.trainee_id,
			       CASE WHEN (s.id + e.trainee_id * 13) % 100 < 80 THEN 'present'
			            WHEN (s.id + e.trainee_id * 13) % 100 < 87 THEN 'late'
			            WHEN (s.id + e.trainee_id * 13) % 100 < 93 THEN 'excused' ELSE 'absent' END,
			       l.user_id, s.ends_at
			FROM courses co
			JOIN course_sessions s ON s.course_id = co.id
			JOIN enrolments e ON e.course_id = co.id AND e.status = 'enrolled'
			JOIN lecturers l ON l.id = s.lecturer_id
			WHERE co.code = $1 AND (s.id * 31 + e.trainee_id * 7) % 100 < $2
			  AND NOT ($3 AND s.starts_at = (SELECT max(starts_at) FROM course_sessions WHERE course_id = co.id))`,
			[]any{c.Code, c.MarkPercent, c.SkipLast}},
	}
	for _, s := range steps {
		if _, err := db.ExecContext(ctx, s.query, s.args...); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

// Subjects are the rows the trainee measurements are about, picked from
// the loaded city.
type Subjects struct {
	Trainee    int64  // my schedule's trainee: the fullest four weeks among those also waiting for a seat
	Username   string // theirs
	WaitCourse int64  // a course the trainee waits for a seat on (their course page)
	FullCourse int64  // the full course with the longest waitlist (its roll)
	Attender   int64  // the trainee with the most attendance marks (their ledger)

	SheetSession  int64   // the last session of BENCH-SHEET: 40 seated trainees, saved under load
	SheetLecturer int64   // its lecturer's account
	SheetUsername string  // theirs
	SheetTrainees []int64 // its trainees in the sheet's order (by name in pinyin, then id)
	ReportCourse  int64   // BENCH-REPORT: 200 trainees × 40 held sessions
}

// pickSubjects chooses the Subjects; start is this week's Monday.
func pickSubjects(ctx context.Context, db *sqlx.DB, start time.Time) (Subjects, error) {
	var s Subjects
	err := db.GetContext(ctx, &s.Trainee, `
		SELECT e.trainee_id
		FROM enrolments e JOIN course_sessions s ON s.course_id = e.course_id
		WHERE e.status = 'enrolled' AND s.starts_at >= $1 AND s.starts_at < $2
		  AND EXISTS (SELECT 1 FROM enrolments w WHERE w.trainee_id = e.trainee_id AND w.status = 'waitlisted')
		GROUP BY e.trainee_id
		ORDER BY count(*) DESC, e.trainee_id
		LIMIT 1`, start, start.AddDate(0, 0, 28))
	if err != nil {
		return s, fmt.Errorf("pick my schedule's trainee: %w", err)
	}
	if err := db.GetContext(ctx, &s.Username, `SELECT username FROM users WHERE id = $1`, s.Trainee); err != nil {
		return s, fmt.Errorf("username of trainee %d: %w", s.Trainee, err)
	}
	err = db.GetContext(ctx, &s.WaitCourse, `
		SELECT course_id FROM enrolments WHERE trainee_id = $1 AND status = 'waitlisted'
		ORDER BY course_id LIMIT 1`, s.Trainee)
	if err != nil {
		return s, fmt.Errorf("pick a course trainee %d waits for: %w", s.Trainee, err)
	}
	err = db.GetContext(ctx, &s.FullCourse, `
		SELECT course_id FROM enrolments WHERE status = 'waitlisted'
		GROUP BY course_id ORDER BY count(*) DESC, course_id LIMIT 1`)
	if err != nil {
		return s, fmt.Errorf("pick the full course: %w", err)
	}
	err = db.GetContext(ctx, &s.Attender, `
		SELECT trainee_id FROM attendance GROUP BY trainee_id ORDER BY count(*) DESC, trainee_id LIMIT 1`)
	if err != nil {
		return s, fmt.Errorf("pick the keenest attender: %w", err)
	}
	var sheet struct {
		Session  int64  `db:"session_id"`
		Lecturer int64  `db:"user_id"`
		Username string `db:"username"`
	}
	err = db.GetContext(ctx, &sheet, `
		SELECT s.id AS session_id, u.id AS user_id, u.username
		FROM course_sessions s JOIN courses c ON c.id = s.course_id
		JOIN lecturers l ON l.id = s.lecturer_id JOIN users u ON u.id = l.user_id
		WHERE c.code = 'BENCH-SHEET'
		ORDER BY s.starts_at DESC LIMIT 1`)
	if err != nil {
		return s, fmt.Errorf("pick the sheet's session: %w", err)
	}
	s.SheetSession, s.SheetLecturer, s.SheetUsername = sheet.Session, sheet.Lecturer, sheet.Username
	err = db.SelectContext(ctx, &s.SheetTrainees, `
		SELECT u.id FROM enrolments e JOIN users u ON u.id = e.trainee_id
		JOIN course_sessions s ON s.course_id = e.course_id
		WHERE s.id = $1 AND e.status = 'enrolled'
		ORDER BY u.name COLLATE "zh-Hans-x-icu", u.id`, s.SheetSession)
	if err != nil {
		return s, fmt.Errorf("trainees of the sheet: %w", err)
	}
	if len(s.SheetTrainees) != 40 {
		return s, fmt.Errorf("the sheet's session has %d trainees, want 40", len(s.SheetTrainees))
	}
	if err := db.GetContext(ctx, &s.ReportCourse, `SELECT id FROM courses WHERE code = 'BENCH-REPORT'`); err != nil {
		return s, fmt.Errorf("pick the report's course: %w", err)
	}
	return s, nil
}
