package lecturers_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

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
