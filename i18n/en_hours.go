package i18n

// enHours is the English text of the credit-hour pages: a trainee's own
// ledger and the coordinators' report of party members below the target.
var enHours = map[string]string{
	"hours.my.title":     "My credit hours",
	"hours.years":        "Choose a year",
	"hours.year":         "%d",
	"hours.year.prev":    "‹ %d",
	"hours.year.next":    "%d ›",
	"hours.total":        "Hours earned",
	"hours.value":        "%s hours",
	"hours.target":       "Yearly target",
	"hours.left":         "Still to earn",
	"hours.reached":      "Target reached",
	"hours.progress":     "%d%% of the yearly target",
	"hours.rule":         "How hours are counted: a course's credit hours are shared equally among its sessions (cancelled ones aside); a session you attend, on time or late, earns its share, excused and absent earn nothing, and it counts in the year of its date (Beijing time). Sessions whose attendance is not yet recorded earn nothing. A mentoring post day attended earns its length in hours (a half day of 4 hours earns 4).",
	"hours.courses":      "Hours by course",
	"hours.attended":     "Attended %d of %d sessions",
	"hours.earned":       "%s hours earned",
	"hours.course.total": "(the course: %s hours)",
	"hours.none":         "No credit hours earned in this year yet. Sessions whose attendance is not yet recorded earn nothing; they appear here once it is.",

	"hours.report.title":         "Party members below the credit-hour target",
	"hours.report.intro":         "Party members whose credit hours in the chosen year are below the yearly target (%s hours), fewest first.",
	"hours.report.target.change": "Change the yearly target",
	"hours.report.year":          "Year",
	"hours.report.community":     "Community",
	"hours.report.community.all": "All communities",
	"hours.report.branch":        "Party branch",
	"hours.report.branch.hint":   "Type part of the branch's name, or pick one of the suggestions.",
	"hours.report.filter":        "Filter",
	"hours.report.counts":        "%d: %d party members, %d below the target",
	"hours.report.export":        "Export to Excel (phone numbers masked)",
	"hours.report.earned":        "%s hours earned",
	"hours.report.short":         "%s hours short",
	"hours.report.pastend":       "This page is past the end of the list; go back a page.",
	"hours.report.allmet":        "Every party member in this selection has reached the target.",
	"hours.report.nomembers":     "No party members match this selection.",
}

func init() { merge(en, enHours) }
