package i18n

// enAttendance is the English text every attendance page shares.
var enAttendance = map[string]string{
	"attendance.status.present":  "Present",
	"attendance.status.late":     "Late",
	"attendance.status.excused":  "Excused",
	"attendance.status.absent":   "Absent",
	"attendance.status.none":     "Not recorded",
	"attendance.source.sheet":    "sheet",
	"attendance.source.self":     "self check-in",
	"attendance.source.assisted": "assisted check-in",
	"attendance.source.walk_in":  "walk-in",
}

func init() { merge(en, enAttendance) }
