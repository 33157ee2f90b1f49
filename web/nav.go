package web

import "strings"

// NavItem is one link of the main navigation.
type NavItem struct {
	Key    string // catalogue key of the label
	Href   string
	Active bool
}

// navigation lists, per role, the links of the main navigation. Only pages
// that exist are listed; each feature adds its own links as it lands.
var navigation = map[string][]NavItem{
	"": {
		{Key: "nav.home", Href: "/"},
		{Key: "nav.courses", Href: "/courses"},
		{Key: "nav.timetable", Href: "/timetable"},
		{Key: "nav.lecturers", Href: "/lecturers"},
	},
	RoleTrainee: {
		{Key: "nav.home", Href: "/"},
		{Key: "nav.schedule", Href: "/my/schedule"},
		{Key: "nav.checkin", Href: "/checkin"},
		{Key: "nav.courses", Href: "/courses"},
		{Key: "nav.hours", Href: "/my/hours"},
		{Key: "nav.mycertificates", Href: "/my/certificates"},
		{Key: "nav.account", Href: "/account"},
	},
	RoleLecturer: {
		{Key: "nav.home", Href: "/"},
		{Key: "nav.teaching", Href: "/my/teaching"},
		{Key: "nav.todo", Href: "/attendance/todo"},
		{Key: "nav.mentees", Href: "/my/mentees"},
		{Key: "nav.timetable", Href: "/timetable"},
		{Key: "nav.courses", Href: "/courses"},
		{Key: "nav.account", Href: "/account"},
	},
	RoleCoordinator: {
		{Key: "nav.home", Href: "/"},
		{Key: "nav.courses", Href: "/courses"},
		{Key: "nav.timetable", Href: "/timetable"},
		{Key: "nav.todo", Href: "/attendance/todo"},
		{Key: "nav.trainees", Href: "/trainees"},
		{Key: "nav.mentoring", Href: "/mentoring"},
		{Key: "nav.certificates", Href: "/certificates"},
		{Key: "nav.lecturers", Href: "/lecturers"},
		{Key: "nav.venues", Href: "/venues"},
		{Key: "nav.users", Href: "/users"},
		{Key: "nav.account", Href: "/account"},
	},
	RoleAdmin: {
		{Key: "nav.home", Href: "/"},
		{Key: "nav.courses", Href: "/courses"},
		{Key: "nav.timetable", Href: "/timetable"},
		{Key: "nav.todo", Href: "/attendance/todo"},
		{Key: "nav.trainees", Href: "/trainees"},
		{Key: "nav.mentoring", Href: "/mentoring"},
		{Key: "nav.lecturers", Href: "/lecturers"},
		{Key: "nav.venues", Href: "/venues"},
		{Key: "nav.users", Href: "/users"},
		{Key: "nav.settings", Href: "/admin/settings"},
		{Key: "nav.account", Href: "/account"},
	},
}

func navFor(v *Viewer, path string) []NavItem {
	role := ""
	if v != nil {
		role = v.Role
	}
	items := append([]NavItem(nil), navigation[role]...)
	for i := range items {
		h := items[i].Href
		items[i].Active = path == h || (h != "/" && strings.HasPrefix(path, h+"/"))
	}
	return items
}
