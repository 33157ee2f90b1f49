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
}{50, 100, 300, 20000, 2000, 20}

// BenchPassword is the password of every generated account.
const BenchPassword = "bench password"

// loadCity fills an empty, migrated database with the city, in a handful of
// set-based statements. Sessions never clash: course c has a session on
// each of 20 consecutive days from day c·345/2000 of the year around
// today; its lecturer is c mod 300 (two courses sharing one start at
// least 51 days apart) and its venue c mod 100 at slot (c/100) mod 3
// (courses sharing a venue and slot start at least 51 days apart too).
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
	}
	for _, s := range steps {
		if _, err := db.ExecContext(ctx, s.query, s.args...); err != nil {
			return fmt.Errorf("load %s: %w", s.what, err)
		}
	}
	_, err = db.ExecContext(ctx, `VACUUM ANALYZE`)
	return err
}
