package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// The demo trainees' profiles: every trainee account gets a community (in
// turn), a type and, for party members, a branch of their community.
// Half are party members, so the credit-hour report has something to say.
func traineeKind(i int) string {
	switch {
	case i%2 == 1:
		return "party_member"
	case i%6 == 0:
		return "community_worker"
	case i%6 == 2:
		return "volunteer"
	}
	return "resident"
}

// traineeUsernames are the forty demo trainee accounts in order: the
// `trainee` account first, then trainee02 … trainee40.
func traineeUsernames() []string {
	out := []string{"trainee"}
	for i := 2; i <= 40; i++ {
		out = append(out, fmt.Sprintf("trainee%02d", i))
	}
	return out
}

// demoEnrolment puts trainees (by their index in traineeUsernames) on a
// course; the first Seats of them get a seat, the rest wait in order.
type demoEnrolment struct {
	Code     string
	Trainees []int
	Seats    int // how many of Trainees are enrolled; the others wait
}

func span(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// enrolments is the demo term's rolls. 垃圾分类指导员培训 (25 seats) is
// full with five on its waitlist, and the `trainee` account is sixth in
// line there, so the waitlist shows from both sides.
var enrolments = []demoEnrolment{
	{Code: "DX-2026-07", Trainees: append(span(1, 30), 0), Seats: 25},
	{Code: "DX-2026-01", Trainees: []int{0, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39}, Seats: 21},
	{Code: "DX-2026-02", Trainees: []int{6, 12, 18, 24, 30, 36, 2, 14}, Seats: 8},
	{Code: "DX-2026-06", Trainees: []int{0, 4, 8, 10, 16, 20, 22, 26, 28, 32, 34, 38}, Seats: 12},
	{Code: "DX-2026-11", Trainees: []int{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29}, Seats: 15},
	{Code: "DX-2026-09", Trainees: []int{0, 33, 35, 37, 39, 31}, Seats: 6},
}

// seedTrainees fills in the demo trainees' profiles, their enrolments and
// the attendance of sessions already over. It returns how many
// enrolments it added. Rows that exist are left alone.
func seedTrainees(ctx context.Context, tx *sqlx.Tx) (int, error) {
	names := traineeUsernames()
	for i, username := range names {
		community := communities[i%len(communities)].Name
		kind := traineeKind(i)
		branch := ""
		if kind == "party_member" {
			branch = community + []string{"第一党支部", "第二党支部"}[i/len(communities)%2]
		}
		gender := []any{"female", "male", nil}[i%3]
		_, err := tx.ExecContext(ctx, `
			INSERT INTO trainees (user_id, gender, community_id, organisation, kind, party_branch)
			SELECT u.id, $2, (SELECT id FROM communities WHERE name = $3), $4, $5, $6
			FROM users u WHERE u.username = $1
			ON CONFLICT (user_id) DO NOTHING`,
			username, gender, community, organisationOf(i, kind, community), kind, branch)
		if err != nil {
			return 0, fmt.Errorf("profile of %s: %w", username, err)
		}
	}
	added := 0
	for _, e := range enrolments {
		for n, i := range e.Trainees {
			status, enrolledAt := "waitlisted", any(nil)
			if n < e.Seats {
				status, enrolledAt = "enrolled", time.Now()
			}
			k, err := exec(ctx, tx, `
				INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at)
				SELECT c.id, u.id, $3, $4 FROM courses c, users u
				WHERE c.code = $1 AND u.username = $2
				ON CONFLICT (course_id, trainee_id) DO NOTHING`,
				e.Code, names[i], status, enrolledAt)
			if err != nil {
				return added, fmt.Errorf("enrol %s in %s: %w", names[i], e.Code, err)
			}
			added += k
		}
	}
	// Attendance of the sessions already over, for those with a seat:
	// mostly present, with some late, excused and absent, the same on
	// every run. The `trainee` account came to everything.
	_, err := tx.ExecContext(ctx, `
		INSERT INTO attendance (session_id, trainee_id, status, recorded_by)
		SELECT s.id, e.trainee_id,
		       CASE WHEN u.username = 'trainee' THEN 'present'
		            ELSE (ARRAY['present', 'present', 'present', 'present', 'present', 'present',
		                        'late', 'excused', 'absent', 'present'])[1 + (e.trainee_id + s.id) % 10]
		       END,
		       (SELECT id FROM users WHERE username = 'coordinator')
		FROM enrolments e
		JOIN users u ON u.id = e.trainee_id
		JOIN course_sessions s ON s.course_id = e.course_id AND s.cancelled_at IS NULL AND s.ends_at < now()
		WHERE e.status = 'enrolled'
		ON CONFLICT (session_id, trainee_id) DO NOTHING`)
	if err != nil {
		return added, fmt.Errorf("seed attendance: %w", err)
	}
	// Each demo mark has its line in the sheet's history, as a save writes.
	_, err = tx.ExecContext(ctx, `
		INSERT INTO attendance_changes (session_id, trainee_id, new_status, source, changed_by, changed_at)
		SELECT a.session_id, a.trainee_id, a.status, 'sheet', a.recorded_by, a.recorded_at
		FROM attendance a
		WHERE NOT EXISTS (SELECT 1 FROM attendance_changes c
		                  WHERE c.session_id = a.session_id AND c.trainee_id = a.trainee_id)`)
	if err != nil {
		return added, fmt.Errorf("seed attendance history: %w", err)
	}
	return added, nil
}

// organisationOf is a plausible workplace for a demo trainee.
func organisationOf(i int, kind, community string) string {
	switch kind {
	case "community_worker":
		return community + "居委会"
	case "party_member":
		return []string{"已退休", "市第一中学", "区人民医院", "城东街道办事处", community + "居委会"}[i%5]
	case "volunteer":
		return community + "志愿服务队"
	}
	return ""
}
