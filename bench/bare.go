package main

import (
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"partyschool/attendance"
	"partyschool/courses"
	"partyschool/mentoring"
	"partyschool/settings"
	"partyschool/trainees"
	"partyschool/web"
)

// The bare baseline: a Fiber app with no middleware, no session, no
// layout, whose handlers run the same store methods — the same SQL — as
// the pages and write the rows through a trivial template. The distance
// between it and the real pages is what the app's own work costs.
var (
	bareTimetable = template.Must(template.New("t").Parse(
		`<ul>{{range .}}<li>{{.StartsAt}} {{.CourseTitle}} {{.Topic}} {{.LecturerName}} {{.VenueName}}</li>{{end}}</ul>`))
	bareCatalogue = template.Must(template.New("c").Parse(
		`<ul>{{range .}}<li>{{.Code}} {{.Title}} {{.CommunityName}} {{.StartsOn}} {{.Sessions}}</li>{{end}}</ul>`))
	bareSchedule = template.Must(template.New("s").Parse(
		`<ul>{{range .Courses}}<li>{{.Code}} {{.Title}} {{.EnrolmentStatus}} {{.Position}}</li>{{end}}</ul><p>{{.Token}}</p>` +
			`<ul>{{range .Sessions}}<li>{{.StartsAt}} {{.CourseTitle}} {{.Topic}} {{.LecturerName}} {{.VenueName}}</li>{{end}}</ul>` +
			`<ul>{{range .Appointments}}<li>{{.StartsAt}} {{.Title}} {{.With}} {{.Place}}</li>{{end}}</ul>`))
)

// newBare returns the bare app on db; its /my/schedule is always the
// subjects' trainee's, and the sheet it saves always their sheet's.
func newBare(db *sqlx.DB, subjects Subjects, school settings.School) *fiber.App {
	trainee := subjects.Trainee
	store := courses.NewStore(db)
	people := trainees.NewStore(db)
	marks := attendance.NewStore(db)
	pairs := mentoring.NewStore(db)
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/timetable", func(c *fiber.Ctx) error {
		start := web.WeekStart(time.Now())
		rows, err := store.Timetable(c.Context(), courses.TimetableFilter{
			From: start, To: start.AddDate(0, 0, 7), Statuses: []string{courses.StatusPublished},
		})
		if err != nil {
			return err
		}
		c.Type("html")
		return bareTimetable.Execute(c, rows)
	})
	bare.Get("/courses", func(c *fiber.Ctx) error {
		rows, _, err := store.List(c.Context(), courses.CatalogueFilter{
			Statuses: []string{courses.StatusPublished}, Limit: 20,
		})
		if err != nil {
			return err
		}
		c.Type("html")
		return bareCatalogue.Execute(c, rows)
	})
	// The calls of courses.Handler.MySchedule: the trainee's courses, their
	// feed, the sessions of the courses with a seat and the post days
	// (mentoring) of the four weeks.
	bare.Get("/my/schedule", func(c *fiber.Ctx) error {
		mine, err := people.MyCourses(c.Context(), trainee)
		if err != nil {
			return err
		}
		token, err := people.FeedToken(c.Context(), trainee)
		if err != nil {
			return err
		}
		f := scheduleFilter(seated(mine))
		rows, err := store.Timetable(c.Context(), f)
		if err != nil {
			return err
		}
		appts, err := pairs.Appointments(c.Context(), trainee, f.From, f.To)
		if err != nil {
			return err
		}
		c.Type("html")
		return bareSchedule.Execute(c, struct {
			Courses      []courses.Enrolled
			Token        string
			Sessions     []courses.Session
			Appointments []courses.Appointment
		}{mine, token, rows, appts})
	})
	// The save of attendance.Handler.SaveSheet without a session, a form
	// or a check: the body is the save's number, the marks those of
	// sheetMark for every trainee of the sheet, by its lecturer.
	bare.Post("/sessions/:id/attendance", func(c *fiber.Ctx) error {
		n, err := strconv.ParseInt(string(c.Body()), 10, 64)
		if err != nil {
			return fiber.ErrBadRequest
		}
		saved, err := marks.Apply(c.Context(), attendance.Save{
			SessionID: subjects.SheetSession, Key: attendance.NewKey(), Marks: sheetMarks(n, subjects.SheetTrainees),
			By: subjects.SheetLecturer, Source: attendance.SourceSheet, LockDays: school.AttendanceLockDays,
			Opens: time.Duration(school.CheckinOpensMinutes) * time.Minute,
		})
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"saved": true, "changed": saved.Changed})
	})
	return bare
}

// seated returns the courses of mine where the trainee holds a seat: those
// whose sessions my schedule shows.
func seated(mine []courses.Enrolled) []int64 {
	ids := []int64{} // none: an empty list shows no sessions, not everyone's
	for _, m := range mine {
		if m.EnrolmentStatus == trainees.StatusEnrolled {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// scheduleFilter is my schedule's timetable in its default view: the
// sessions of the courses ids in the four weeks from this Monday, of the
// course statuses a trainee sees, at most the page's 5,000.
func scheduleFilter(ids []int64) courses.TimetableFilter {
	start := web.WeekStart(time.Now())
	return courses.TimetableFilter{
		From: start, To: start.AddDate(0, 0, 28), CourseIDs: ids, Limit: 5000,
		Statuses: []string{courses.StatusPublished, courses.StatusClosed, courses.StatusArchived},
	}
}
