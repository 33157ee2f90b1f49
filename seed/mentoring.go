package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/web"
)

// demoPair is a shadow-post mentoring pair of the demo, at one of the
// stages a pair goes through.
type demoPair struct {
	Mentor, Mentee, Supervisor  string // usernames
	Community, MentorPost, Post string
	Goals                       []string
	// Start is the first day, in days from today; the pair lasts Weeks
	// weeks with post days on Tuesdays and Thursdays afternoons.
	Start, Weeks int
	Status       string // where it has got to
	EndReason    string
}

// demoPairs echo how the school works: the deputy party secretary of
// 银啤苑社区 mentors new community workers (one of them the `trainee`
// demo account, now halfway), with the `lecturer` demo account as their
// training supervisor; a pair of last term has completed, one in another
// community is about to start, and one ended early.
var demoPairs = []demoPair{
	{Mentor: "lecturer07", Mentee: "trainee", Supervisor: "lecturer", Community: "银啤苑社区",
		MentorPost: "社区党委副书记", Post: "党建工作岗",
		Goals: []string{"熟悉社区党委的日常工作流程", "能独立组织一次主题党日活动", "掌握党员发展和组织关系转接的材料要求"},
		Start: -14, Weeks: 4, Status: "active"},
	{Mentor: "lecturer07", Mentee: "trainee06", Supervisor: "lecturer", Community: "银啤苑社区",
		MentorPost: "社区党委副书记", Post: "网格管理岗",
		Goals: []string{"熟悉网格巡查和信息上报", "能化解一般的邻里纠纷"},
		Start: -70, Weeks: 4, Status: "completed"},
	{Mentor: "lecturer05", Mentee: "trainee12", Supervisor: "coordinator", Community: "长城花园社区",
		MentorPost: "社区党委书记", Post: "居民议事协商岗",
		Goals: []string{"了解居民议事会的组织方法", "能起草一份议事协商方案"},
		Start: 8, Weeks: 3, Status: "planned"},
	{Mentor: "lecturer06", Mentee: "trainee18", Community: "福通社区",
		MentorPost: "社区网格员", Post: "网格员岗",
		Goals: []string{"熟悉第三网格的巡查路线"},
		Start: -40, Weeks: 4, Status: "ended", EndReason: "学员调往街道办事处工作，跟岗提前结束。"},
}

// demoLogs are what the demo mentees wrote, in turn, for their days.
var demoLogs = []struct{ Did, Learned, Questions string }{
	{"跟随王书记参加社区党委会，做会议记录。", "党委会的议题要提前收集、会前沟通。", "会议记录需要存档多久？"},
	{"整理第三党支部的党员花名册，核对组织关系。", "组织关系转接要核对介绍信和党费缴纳记录。", ""},
	{"协助筹备主题党日，联系场地和老党员。", "活动要有预案，下雨天改在室内。", "主题党日能否和志愿服务结合？"},
	{"入户走访两户困难党员，了解生活情况。", "走访前先看档案，带上政策清单。", ""},
}

// seedMentoring adds the demo pairs once: a database that already has
// pairs keeps them as they are.
func seedMentoring(ctx context.Context, tx *sqlx.Tx) (int, error) {
	var any bool
	if err := tx.GetContext(ctx, &any, `SELECT EXISTS (SELECT 1 FROM mentoring_pairs)`); err != nil {
		return 0, fmt.Errorf("look for mentoring pairs: %w", err)
	}
	if any {
		return 0, nil
	}
	today := web.Day(time.Now())
	for _, dp := range demoPairs {
		if err := seedPair(ctx, tx, dp, today); err != nil {
			return 0, fmt.Errorf("seed the pair of %s: %w", dp.Mentee, err)
		}
	}
	return len(demoPairs), nil
}

// seedPair adds one pair, its post days, and as much of its record as
// its stage has: marks and logs of the days gone by, the evaluation,
// the completion.
func seedPair(ctx context.Context, tx *sqlx.Tx, dp demoPair, today time.Time) error {
	first := today.AddDate(0, 0, dp.Start)
	last := first.AddDate(0, 0, 7*dp.Weeks-1)
	var id int64
	err := tx.GetContext(ctx, &id, `
		INSERT INTO mentoring_pairs (mentor_id, mentee_id, supervisor_id, community_id, mentor_post, post,
		                             starts_on, ends_on, goals, created_by)
		SELECT (SELECT id FROM users WHERE username = $1), (SELECT id FROM users WHERE username = $2),
		       (SELECT id FROM users WHERE username = $3), (SELECT id FROM communities WHERE name = $4),
		       $5, $6, $7, $8, $9, (SELECT id FROM users WHERE username = 'coordinator')
		RETURNING id`,
		dp.Mentor, dp.Mentee, dp.Supervisor, dp.Community, dp.MentorPost, dp.Post,
		first.Format(web.DateLayout), last.Format(web.DateLayout), pq.StringArray(dp.Goals))
	if err != nil {
		return err
	}
	// Tuesday and Thursday afternoons at the community's party-service centre.
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Tuesday && d.Weekday() != time.Thursday {
			continue
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO post_days (pair_id, starts_at, ends_at, place) VALUES ($1, $2, $3, $4)`,
			id, web.At(d, 14*60), web.At(d, 18*60), dp.Community+"党群服务中心")
		if err != nil {
			return err
		}
	}
	if dp.Status == "planned" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE mentoring_pairs SET status = 'active' WHERE id = $1`, id); err != nil {
		return err
	}
	// The days gone by: present, but for one excused day in the middle
	// (and nothing after an early end).
	_, err = tx.ExecContext(ctx, `
		WITH past AS (
			SELECT id, row_number() OVER (ORDER BY starts_at) AS n FROM post_days
			WHERE pair_id = $1 AND ends_at < now() AND ($2 = '' OR starts_at < now() - interval '10 days'))
		UPDATE post_days d SET status = CASE WHEN p.n = 3 THEN 'excused' ELSE 'present' END,
		       note = CASE WHEN p.n = 3 THEN '参加街道培训' ELSE '' END,
		       marked_by = (SELECT mentor_id FROM mentoring_pairs WHERE id = $1), marked_at = d.ends_at
		FROM past p WHERE p.id = d.id`, id, dp.EndReason)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO post_day_changes (post_day_id, new_status, note, changed_by, changed_at)
		SELECT id, status, note, marked_by, marked_at FROM post_days WHERE pair_id = $1 AND status IS NOT NULL`, id)
	if err != nil {
		return err
	}
	// Logs of the attended days; the mentor has countersigned all but the
	// latest.
	var days []int64
	err = tx.SelectContext(ctx, &days, `SELECT id FROM post_days WHERE pair_id = $1 AND status = 'present' ORDER BY starts_at`, id)
	if err != nil {
		return err
	}
	for i, day := range days {
		l := demoLogs[i%len(demoLogs)]
		signed := i < len(days)-1 || dp.Status != "active"
		_, err := tx.ExecContext(ctx, `
			INSERT INTO mentoring_logs (post_day_id, did, learned, questions, written_at, updated_at, countersigned_by, countersigned_at)
			SELECT d.id, $2, $3, $4, d.ends_at, d.ends_at,
			       CASE WHEN $5 THEN p.mentor_id END, CASE WHEN $5 THEN d.ends_at + interval '1 day' END
			FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id WHERE d.id = $1`,
			day, l.Did, l.Learned, l.Questions, signed)
		if err != nil {
			return err
		}
		if i == 0 {
			_, err = tx.ExecContext(ctx, `
				INSERT INTO mentoring_comments (post_day_id, author_id, body, created_at)
				SELECT d.id, p.mentor_id, '记录很完整。下次试着在会上就一个议题发言。', d.ends_at + interval '1 day'
				FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id WHERE d.id = $1`, day)
			if err != nil {
				return err
			}
		}
	}
	switch dp.Status {
	case "ended":
		_, err = tx.ExecContext(ctx, `UPDATE mentoring_pairs SET status = 'ended', end_reason = $2 WHERE id = $1`, id, dp.EndReason)
		return err
	case "completed":
		scores := make([]int64, len(dp.Goals))
		for i := range scores {
			scores[i] = int64(5 - i%2)
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO mentoring_evaluations (pair_id, scores, comment, evaluated_by, evaluated_at, confirmed_by, confirmed_at)
			SELECT id, $2, '工作认真细致，能主动向老同志请教，网格巡查和纠纷调解已能独立完成。', mentor_id, ends_on + 1,
			       supervisor_id, ends_on + 2
			FROM mentoring_pairs WHERE id = $1`, id, pq.Int64Array(scores))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE mentoring_pairs SET status = 'completed' WHERE id = $1`, id)
		return err
	}
	return nil
}
