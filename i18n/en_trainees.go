package i18n

// enTrainees is the English text of a trainee's own pages: profile,
// enrolment and my schedule, and the words every trainee page shares.
var enTrainees = map[string]string{
	"nav.schedule": "My schedule",
	"nav.hours":    "My credit hours",
	"nav.trainees": "Trainees",

	"kind.party_member":     "Party member",
	"kind.community_worker": "Community worker",
	"kind.resident":         "Resident",
	"kind.volunteer":        "Volunteer",
	"gender.female":         "Female",
	"gender.male":           "Male",

	"trainees.name":              "Name",
	"trainees.phone":             "Mobile number",
	"trainees.gender":            "Gender",
	"trainees.gender.none":       "Prefer not to say",
	"trainees.gender.invalid":    "Please choose a gender, or “prefer not to say”.",
	"trainees.community":         "Community",
	"trainees.community.none":    "None of these communities",
	"trainees.community.invalid": "Please choose a community from the list.",
	"trainees.organisation":      "Workplace",
	"trainees.organisation.hint": "Optional, e.g. the residents' committee or a school.",
	"trainees.organisation.long": "The workplace can be at most 60 characters.",
	"trainees.kind":              "Trainee type",
	"trainees.kind.invalid":      "Please choose a trainee type.",
	"trainees.branch":            "Party branch",
	"trainees.branch.hint":       "For party members, e.g. the community's first party branch.",
	"trainees.branch.long":       "The party branch can be at most 60 characters.",
	"trainees.phone.taken":       "Another account uses this mobile number.",
	"trainees.no_profile":        "Profile not filled in",
}

func init() { merge(en, enTrainees) }
