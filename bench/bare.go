package main

import (
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"partyschool/courses"
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
)

// newBare returns the bare app on db.
func newBare(db *sqlx.DB) *fiber.App {
	store := courses.NewStore(db)
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
	return bare
}
