package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/trainees"
)

// The enrolment race of the issue: this many trainees ask for the seats
// of one fresh course at the same instant.
const (
	raceTrainees = 1000
	raceSeats    = 100
)

// bareEnrol is the bare baseline of one enrolment: one statement that
// locks the course row, as Enrol does, and takes a seat while there is one
// (the seat trigger counts it), else a place on the waitlist.
const bareEnrol = `INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at)
SELECT id, $2, CASE WHEN enrolled < capacity THEN 'enrolled' ELSE 'waitlisted' END,
       CASE WHEN enrolled < capacity THEN now() END
FROM courses WHERE id = $1 FOR UPDATE`

// Race is one run of the enrolment race on a fresh course.
type Race struct {
	Drain      time.Duration // from the release of the barrier until the last enrolment returned
	Errors     int
	FirstError string
	Counter    int  // courses.enrolled afterwards
	Enrolled   int  // rows enrolled
	Waitlisted int  // rows waitlisted
	Queue      bool // real runs: the waitlist positions Enrol returned are 1…n, each once
}

// Sound reports whether the run ended exactly full: no over-enrolment,
// nobody lost, no error.
func (r Race) Sound() bool {
	return r.Errors == 0 && r.Counter == raceSeats && r.Enrolled == raceSeats && r.Waitlisted == raceTrainees-raceSeats
}

// Contention is the enrolment race, run repeats times on the real store
// and on the bare statement, interleaved.
type Contention struct {
	Pool       int // the pool's MaxOpenConnections
	Real, Bare []Race
}

// contention runs the enrolment race: trainees.Store.Enrol from
// raceTrainees goroutines released at once by a barrier, each run on a
// fresh published course of raceSeats seats whose window is open, and the
// same with bareEnrol; one unrecorded warm-up of each first.
func contention(ctx context.Context, db *sqlx.DB, repeats int) (*Contention, error) {
	var ids []int64
	err := db.SelectContext(ctx, &ids, `SELECT id FROM users WHERE role = 'trainee' ORDER BY id LIMIT $1`, raceTrainees)
	if err != nil {
		return nil, fmt.Errorf("trainees for the race: %w", err)
	}
	store := trainees.NewStore(db)
	out := &Contention{Pool: db.Stats().MaxOpenConnections}
	for i := 0; i <= repeats; i++ {
		real, err := race(ctx, db, fmt.Sprintf("RACE-%d-R", i), ids, func(courseID, id int64) (trainees.Outcome, error) {
			return store.Enrol(ctx, courseID, id, id, false)
		})
		if err != nil {
			return nil, err
		}
		bare, err := race(ctx, db, fmt.Sprintf("RACE-%d-B", i), ids, func(courseID, id int64) (trainees.Outcome, error) {
			_, err := db.ExecContext(ctx, bareEnrol, courseID, id)
			return trainees.Outcome{}, err
		})
		if err != nil {
			return nil, err
		}
		if i == 0 {
			continue // the warm-up
		}
		say("enrolment race %d: real %v (%d enrolled, %d waitlisted, sound %v), bare %v (sound %v)",
			i, real.Drain, real.Enrolled, real.Waitlisted, real.Sound(), bare.Drain, bare.Sound())
		out.Real = append(out.Real, real)
		out.Bare = append(out.Bare, bare)
	}
	return out, nil
}

// race creates the course code and lets every trainee of ids enrol in it
// at once through enrol, then reads what the course holds.
func race(ctx context.Context, db *sqlx.DB, code string, ids []int64, enrol func(courseID, traineeID int64) (trainees.Outcome, error)) (Race, error) {
	var courseID int64
	err := db.GetContext(ctx, &courseID, `
		INSERT INTO courses (code, title, category, community_id, capacity, starts_on, ends_on,
		                     enrol_opens, enrol_closes, credit_hours, status)
		SELECT $1, '选课压力测试 ' || $1, 'policy', (SELECT min(id) FROM communities), $2,
		       current_date + 60, current_date + 79, now() - interval '1 day', now() + interval '1 day', 40, 'published'
		RETURNING id`, code, raceSeats)
	if err != nil {
		return Race{}, fmt.Errorf("create course %s: %w", code, err)
	}

	var r Race
	var mu sync.Mutex
	var positions []int
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for _, id := range ids {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			out, err := enrol(courseID, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.Errors++
				if r.FirstError == "" {
					r.FirstError = err.Error()
				}
				return
			}
			if out.Status == trainees.StatusWaitlisted {
				positions = append(positions, out.Position)
			}
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	r.Drain = time.Since(t0)

	slices.Sort(positions)
	r.Queue = len(positions) == len(ids)-raceSeats
	for i, p := range positions {
		r.Queue = r.Queue && p == i+1
	}
	var got struct {
		Counter    int `db:"counter"`
		Enrolled   int `db:"enrolled"`
		Waitlisted int `db:"waitlisted"`
	}
	err = db.GetContext(ctx, &got, `
		SELECT c.enrolled AS counter,
		       (SELECT count(*) FROM enrolments WHERE course_id = c.id AND status = 'enrolled') AS enrolled,
		       (SELECT count(*) FROM enrolments WHERE course_id = c.id AND status = 'waitlisted') AS waitlisted
		FROM courses c WHERE c.id = $1`, courseID)
	if err != nil {
		return r, fmt.Errorf("count the seats of course %s: %w", code, err)
	}
	r.Counter, r.Enrolled, r.Waitlisted = got.Counter, got.Enrolled, got.Waitlisted
	return r, nil
}

// medianDrain returns the median drain time of runs.
func medianDrain(runs []Race) time.Duration {
	d := make([]time.Duration, len(runs))
	for i, r := range runs {
		d[i] = r.Drain
	}
	return median(d)
}
