package lecturers_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"partyschool/database"
	"partyschool/dbtest"
	"partyschool/lecturers"
	"partyschool/sheets"
)

// TestConcurrentImportsNeverDuplicate: two coordinators confirm uploads
// holding the same new people at the same moment; each person lands once.
func TestConcurrentImportsNeverDuplicate(t *testing.T) {
	db := dbtest.New(t)
	store := lecturers.NewStore(db)
	ctx := context.Background()
	var users [2]int64
	for i := range users {
		if err := db.Get(&users[i], `INSERT INTO users (username, name, role, password_hash)
			VALUES ($1, '管理员', 'coordinator', '$argon2id$x') RETURNING id`, []string{"carol", "colin"}[i]); err != nil {
			t.Fatal(err)
		}
	}
	// No phone numbers: only the import's lock keeps a name within a team
	// from landing twice (phones have a unique index besides). Enough rows
	// that the two transactions overlap.
	table := &sheets.Table{Header: []string{"姓名", "队伍", "手机号"}}
	for i := 0; i < 300; i++ {
		table.Rows = append(table.Rows, sheets.Row{Line: i + 2, Cells: []string{"讲师" + strconv.Itoa(i), "草根讲师", ""}})
	}
	var batches [2]int64
	for i := range batches {
		rows, err := store.CheckTable(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		if batches[i], err = store.SaveBatch(ctx, users[i], "名单.xlsx", rows); err != nil {
			t.Fatal(err)
		}
	}
	errs := dbtest.Concurrently(2, func(i int) error {
		_, err := store.ImportBatch(ctx, batches[i], users[i])
		return err
	})
	ok := 0
	for _, err := range errs {
		var changed lecturers.ErrImportChanged
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &changed):
			t.Errorf("unexpected error: %v", err)
		}
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM lecturers`)
	if ok != 1 || n != 300 {
		t.Errorf("%d imports succeeded and %d lecturers exist; want 1 and 300", ok, n)
	}
}

func TestLecturerConstraints(t *testing.T) {
	db := dbtest.New(t)
	db.MustExec(`INSERT INTO lecturers (name, team, phone) VALUES ('李建国', 'expert', '13900001001')`)
	checks := map[string]string{
		"blank name":        `INSERT INTO lecturers (name, team) VALUES ('  ', 'expert')`,
		"name too long":     `INSERT INTO lecturers (name, team) VALUES (repeat('名', 51), 'expert')`,
		"unknown team":      `INSERT INTO lecturers (name, team) VALUES ('张三', 'guest')`,
		"malformed phone":   `INSERT INTO lecturers (name, team, phone) VALUES ('张三', 'expert', '12345')`,
		"too many topics":   `INSERT INTO lecturers (name, team, topics) VALUES ('张三', 'expert', array_fill('题'::text, ARRAY[13]))`,
		"bio too long":      `INSERT INTO lecturers (name, team, bio) VALUES ('张三', 'expert', repeat('字', 1001))`,
		"title too long":    `INSERT INTO lecturers (name, team, title) VALUES ('张三', 'expert', repeat('字', 61))`,
		"organisation long": `INSERT INTO lecturers (name, team, organisation) VALUES ('张三', 'expert', repeat('字', 101))`,
	}
	for name, q := range checks {
		if _, err := db.Exec(q); !database.IsViolation(err, database.CheckViolation) {
			t.Errorf("%s: %v, want a check violation", name, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO lecturers (name, team, phone) VALUES ('李建国', 'senior', '13900001001')`); !database.IsViolation(err, database.UniqueViolation, "lecturers_phone_key") {
		t.Errorf("a phone twice: %v", err)
	}
	var user int64
	db.Get(&user, `INSERT INTO users (username, name, role, password_hash) VALUES ('leo', '李', 'lecturer', '$argon2id$x') RETURNING id`)
	db.MustExec(`UPDATE lecturers SET user_id = $1`, user)
	if _, err := db.Exec(`INSERT INTO lecturers (name, team, user_id) VALUES ('另一位', 'senior', $1)`, user); !database.IsViolation(err, database.UniqueViolation, "lecturers_user_id_key") {
		t.Errorf("an account linked twice: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO lecturers (name, team, community_id) VALUES ('张三', 'expert', 999999)`); !database.IsViolation(err, database.ForeignKeyViolation) {
		t.Errorf("an unknown community: %v", err)
	}
}
