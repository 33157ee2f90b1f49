package app

import (
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partyschool/attendance"
	"partyschool/auth"
	"partyschool/certificates"
	"partyschool/courses"
	"partyschool/lecturers"
	"partyschool/mentoring"
	"partyschool/places"
	"partyschool/settings"
	"partyschool/trainees"
	"partyschool/web"
)

// Access says who may use a route. Every route declares one; the access
// test walks this table (SECURITY.md 1).
type Access struct {
	Public bool     // anyone, signed in or not
	Roles  []string // otherwise: signed-in users holding one of these
}

var (
	public   = Access{Public: true}
	signedIn = Access{Roles: web.Roles}
	staff    = Access{Roles: []string{web.RoleCoordinator, web.RoleAdmin}}
	admins   = Access{Roles: []string{web.RoleAdmin}}
	// lecturersOnly is for pages about one's own teaching.
	lecturersOnly = Access{Roles: []string{web.RoleLecturer}}
	// traineesOnly is for pages about one's own enrolments and hours.
	traineesOnly = Access{Roles: []string{web.RoleTrainee}}
	// profileOwners keep a profile of their own: lecturers their roster
	// introduction, trainees their trainee profile.
	profileOwners = Access{Roles: []string{web.RoleLecturer, web.RoleTrainee}}
	// staffAndLecturers: coordinators for any session, lecturers for
	// their own (the handler answers 404 for someone else's).
	staffAndLecturers = Access{Roles: []string{web.RoleLecturer, web.RoleCoordinator, web.RoleAdmin}}
)

// Route is one line of the site map.
type Route struct {
	Method  string
	Path    string
	Access  Access
	Handler fiber.Handler
}

// routeTable is the site: every URL, its method, who may use it and what
// answers it.
func (s *Server) routeTable() []Route {
	a := s.auth
	st := &settings.Handler{Store: s.settings}
	pl := &places.Handler{Store: s.places}
	co := &courses.Handler{
		Store: s.courses, Lecturers: s.lecturers, Places: s.places, BaseURL: s.cfg.BaseURL,
		Enrolments: s.trainees, Schedules: s.trainees, Appointments: s.mentoring,
	}
	at := &attendance.Handler{
		Store: s.attendance, Courses: s.courses, Trainees: s.trainees, Settings: s.settings,
		Logger: s.logger, BaseURL: s.cfg.BaseURL,
	}
	tr := &trainees.Handler{Store: s.trainees, Courses: s.courses, Places: s.places, Settings: s.settings, Logger: s.logger, BaseURL: s.cfg.BaseURL}
	lc := &lecturers.Handler{Store: s.lecturers, Places: s.places, Teaching: s.courses, Logger: s.logger}
	ce := &certificates.Handler{Store: s.certs, Courses: s.courses, Settings: s.settings, Font: s.certFont, BaseURL: s.cfg.BaseURL, Logger: s.logger}
	me := &mentoring.Handler{Store: s.mentoring, Settings: s.settings, Places: s.places, Certs: s.certs, Logger: s.logger}
	get, post := fiber.MethodGet, fiber.MethodPost
	return []Route{
		{get, "/", public, s.home},
		{get, "/privacy", public, s.privacy},
		{post, "/preferences/language", public, s.setLanguage},
		{post, "/preferences/text-size", public, s.setTextSize},

		{get, "/login", public, a.LoginForm},
		{post, "/login", public, a.Login},
		{post, "/logout", signedIn, a.Logout},
		{get, "/register", public, a.RegisterForm},
		{post, "/register", public, a.Register},
		{get, "/account", signedIn, a.Account},
		{post, "/account/password", signedIn, a.ChangePassword},

		{get, "/users", staff, a.Users},
		{post, "/users/:id/role", admins, a.UpdateRole},
		{post, "/users/:id/disable", admins, a.Disable},
		{post, "/users/:id/enable", admins, a.Enable},

		{get, "/courses", public, co.Index},
		{get, "/courses/new", staff, co.New},
		{post, "/courses", staff, co.Create},
		{get, "/courses/:id", public, co.Show},
		{get, "/courses/:id/edit", staff, co.Edit},
		{post, "/courses/:id", staff, co.Update},
		{post, "/courses/:id/status", staff, co.SetStatus},
		{get, "/courses/:id/sessions/new", staff, co.NewSessions},
		{post, "/courses/:id/sessions", staff, co.CreateSessions},
		{get, "/sessions/:id/edit", staff, co.EditSession},
		{post, "/sessions/:id", staff, co.UpdateSession},
		{post, "/sessions/:id/delete", staff, co.DeleteSession},
		{post, "/sessions/:id/cancel", staff, co.CancelSession},
		{post, "/sessions/:id/restore", staff, co.RestoreSession},

		{get, "/timetable", public, co.Timetable},
		{get, "/my/teaching", lecturersOnly, co.MyTeaching},
		{get, "/my/profile", profileOwners, byRole(lc.EditProfile, tr.EditProfile)},
		{post, "/my/profile", profileOwners, byRole(lc.UpdateProfile, tr.UpdateProfile)},
		{get, "/my/schedule", traineesOnly, co.MySchedule},
		{post, "/my/schedule/feed", traineesOnly, tr.ResetFeed},
		{get, "/my/hours", traineesOnly, tr.MyHours},
		{post, "/courses/:id/enrol", traineesOnly, tr.Enrol},
		{post, "/courses/:id/withdraw", traineesOnly, tr.Withdraw},
		{get, "/calendar/trainees/:token.ics", public, co.TraineeFeed},
		{get, "/calendar/courses/:id.ics", public, co.CourseFeed},
		{get, "/calendar/lecturers/:id.ics", public, co.LecturerFeed},
		{get, "/calendar/teams/:team.ics", public, co.TeamFeed},
		{get, "/calendar/venues/:id.ics", public, co.VenueFeed},

		{get, "/courses/:id/roll", staff, tr.Roll},
		{post, "/courses/:id/roll", staff, tr.AddToRoll},
		{post, "/courses/:id/roll/fill", staff, tr.FillRoll},
		{post, "/courses/:id/roll/:trainee/remove", staff, tr.RemoveFromRoll},
		{post, "/courses/:id/roll/:trainee/promote", staff, tr.PromoteOnRoll},
		{get, "/courses/:id/roll.xlsx", staff, tr.ExportRoll},
		{get, "/sessions/:id/sign-in-sheet", staffAndLecturers, tr.SignInSheet},

		{get, "/sessions/:id/attendance", staffAndLecturers, at.Sheet},
		{post, "/sessions/:id/attendance", staffAndLecturers, at.SaveSheet},
		{post, "/sessions/:id/attendance/walk-in", staffAndLecturers, at.AddWalkIn},
		{post, "/sessions/:id/attendance/assist", staffAndLecturers, at.Assist},
		{get, "/sessions/:id/attendance/report", staffAndLecturers, at.SessionReport},
		{get, "/sessions/:id/attendance.xlsx", staffAndLecturers, at.ExportSessionReport},
		{post, "/sessions/:id/checkin/open", staffAndLecturers, at.OpenCheckin},
		{post, "/sessions/:id/checkin/close", staffAndLecturers, at.CloseCheckin},
		{get, "/sessions/:id/checkin", staffAndLecturers, at.CheckinDisplay},
		{get, "/sessions/:id/checkin/code", staffAndLecturers, at.CheckinCode},
		{get, "/checkin", traineesOnly, at.CheckinForm},
		{post, "/checkin", traineesOnly, at.CheckIn},
		{get, "/courses/:id/attendance", staffAndLecturers, at.CourseReport},
		{get, "/courses/:id/attendance.xlsx", staffAndLecturers, at.ExportCourseReport},
		{get, "/courses/:id/attendance/chart.svg", staffAndLecturers, at.CourseChart},
		{get, "/trainees/:id/attendance", staff, at.TraineeReport},
		{get, "/trainees/:id/attendance.xlsx", staff, at.ExportTraineeReport},
		{get, "/my/attendance", traineesOnly, at.MyAttendance},
		{get, "/attendance/todo", staffAndLecturers, at.Todo},

		{get, "/trainees", staff, tr.Index},
		{get, "/trainees/new", staff, tr.New},
		{post, "/trainees", staff, tr.Create},
		{get, "/trainees/import", staff, tr.ImportForm},
		{post, "/trainees/import", staff, tr.Preview},
		{post, "/trainees/import/:id", staff, tr.Import},
		{get, "/trainees/template.xlsx", staff, tr.Template},
		{get, "/trainees/deletions", staff, tr.Deletions}, // before /trainees/:id
		{post, "/trainees/deletions/:id/erase", staff, tr.EraseAccount},
		{post, "/trainees/deletions/:id/decline", staff, tr.DeclineDeletion},
		{get, "/my/privacy", traineesOnly, tr.MyPrivacy},
		{get, "/my/data.json", traineesOnly, tr.MyData},
		{post, "/my/deletion", traineesOnly, tr.RequestDeletion},
		{post, "/my/deletion/cancel", traineesOnly, tr.CancelDeletion},
		{get, "/trainees/:id", staff, tr.Show},
		{get, "/trainees/:id/edit", staff, tr.Edit},
		{post, "/trainees/:id", staff, tr.Update},
		{get, "/reports/credit-hours", staff, tr.HoursReport},
		{get, "/reports/credit-hours.xlsx", staff, tr.ExportHoursReport},

		{get, "/lecturers", public, lc.Index},
		{get, "/lecturers/new", staff, lc.New},
		{post, "/lecturers", staff, lc.Create},
		{get, "/lecturers/import", staff, lc.ImportForm},
		{post, "/lecturers/import", staff, lc.Preview},
		{post, "/lecturers/import/:id", staff, lc.Import},
		{get, "/lecturers/template.xlsx", staff, lc.Template},
		{get, "/lecturers/export.:format", staff, lc.Export},
		{get, "/lecturers/:id", public, lc.Show},
		{get, "/lecturers/:id/edit", staff, lc.Edit},
		{post, "/lecturers/:id", staff, lc.Update},
		{post, "/lecturers/:id/deactivate", staff, lc.Deactivate},
		{post, "/lecturers/:id/activate", staff, lc.Activate},
		{post, "/lecturers/:id/delete", staff, lc.Delete},

		{get, "/communities", staff, pl.Communities},
		{post, "/communities", staff, pl.CreateCommunity},
		{post, "/communities/:id", staff, pl.UpdateCommunity},
		{post, "/communities/:id/delete", staff, pl.DeleteCommunity},

		{get, "/venues", staff, pl.Venues},
		{get, "/venues/new", staff, pl.NewVenue},
		{post, "/venues", staff, pl.CreateVenue},
		{get, "/venues/:id/edit", staff, pl.EditVenue},
		{post, "/venues/:id", staff, pl.UpdateVenue},
		{post, "/venues/:id/deactivate", staff, pl.DeactivateVenue},
		{post, "/venues/:id/activate", staff, pl.ActivateVenue},
		{post, "/venues/:id/delete", staff, pl.DeleteVenue},

		{get, "/courses/:id/certificates", staff, ce.Course},
		{post, "/courses/:id/certificates", staff, ce.Issue},
		{get, "/courses/:id/certificates.pdf", staff, ce.PrintCourse},
		{get, "/courses/:id/certificates/progress", staff, ce.PrintProgress},
		{get, "/certificates", staff, ce.Index},
		{get, "/certificates.xlsx", staff, ce.Export},
		{get, "/certificates/:id.pdf", staff, ce.Download},
		{post, "/certificates/:id/revoke", staff, ce.Revoke},
		{post, "/certificates/:id/reissue", staff, ce.Reissue},
		{get, "/my/certificates", traineesOnly, ce.Mine},
		{get, "/my/certificates/:id.pdf", traineesOnly, ce.DownloadMine},
		{get, "/verify", public, ce.VerifyForm},
		{get, "/verify/:serial", public, ce.Verify},
		{get, "/admin/certificates", admins, ce.EditSettings},
		{post, "/admin/certificates", admins, ce.UpdateSettings},
		{post, "/admin/certificates/test-page", admins, ce.TestPage},
		{post, "/admin/certificates/seal", admins, ce.UploadSeal},
		{post, "/admin/certificates/seal/delete", admins, ce.RemoveSeal},
		{get, "/admin/certificates/seal.png", admins, ce.Seal},

		{get, "/mentoring", staff, me.Index},
		{get, "/mentoring.xlsx", staff, me.Export},
		{get, "/mentoring/new", staff, me.New},
		{post, "/mentoring", staff, me.Create},
		{get, "/mentoring/:id", signedIn, me.Show}, // its people and coordinators; anyone else 404
		{get, "/mentoring/:id/edit", staff, me.Edit},
		{post, "/mentoring/:id", staff, me.Update},
		{post, "/mentoring/:id/status", staff, me.SetStatus},
		{post, "/mentoring/:id/certificate", staff, me.IssueCertificate},
		{post, "/mentoring/:id/days", staffAndLecturers, me.AddDays},               // coordinators and the pair's mentor
		{post, "/mentoring/days/:id/delete", staffAndLecturers, me.DeleteDay},      // coordinators and the pair's mentor
		{post, "/mentoring/days/:id/attendance", staffAndLecturers, me.Mark},       // the pair's mentor; coordinators after the lock
		{post, "/mentoring/days/:id/log", traineesOnly, me.WriteLog},               // the pair's mentee
		{post, "/mentoring/days/:id/countersign", lecturersOnly, me.Countersign},   // the pair's mentor
		{post, "/mentoring/days/:id/comments", staffAndLecturers, me.Comment},      // mentor, supervisor, coordinators
		{post, "/mentoring/:id/evaluation", lecturersOnly, me.Evaluate},            // the pair's mentor
		{post, "/mentoring/:id/evaluation/confirm", staffAndLecturers, me.Confirm}, // supervisor or coordinators
		{get, "/my/mentees", lecturersOnly, me.Mine},
		{get, "/my/mentoring", traineesOnly, me.Mine},

		{get, "/admin/settings", admins, st.Edit},
		{post, "/admin/settings", admins, st.Update},
		{get, "/admin/audit", admins, s.auditLog.Index},
	}
}

// byRole answers a page that lecturers and trainees both have, each their
// own version of it (my profile).
func byRole(lecturer, trainee fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if web.ViewerOf(c).Is(web.RoleLecturer) {
			return lecturer(c)
		}
		return trainee(c)
	}
}

// mount installs the routes: health checks and assets first (they touch
// no session), then the pages behind preferences, CSRF, session and the
// per-route role guard, and the 404 page for everything else.
func (s *Server) mount(extra []Route) {
	s.Fiber.Get("/healthz", s.healthz)
	s.Fiber.Get("/readyz", s.readyz)
	s.Fiber.Use("/static", func(c *fiber.Ctx) error {
		if strings.HasSuffix(c.Path(), "/") || path.Ext(c.Path()) == "" {
			return web.NotFound() // no directory listings, not even a 403
		}
		return c.Next()
	}, s.staticHandler())

	s.Fiber.Use(s.preferences, s.auth.CSRF, s.auth.LoadViewer, s.school)
	s.routes = append(s.routeTable(), extra...)
	for _, r := range s.routes {
		handlers := []fiber.Handler{r.Handler}
		if !r.Access.Public {
			handlers = append([]fiber.Handler{auth.Require(r.Access.Roles...)}, handlers...)
		}
		s.Fiber.Add(r.Method, r.Path, handlers...)
	}
	s.Fiber.Use(func(c *fiber.Ctx) error { return web.NotFound() })
}
