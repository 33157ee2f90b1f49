package i18n

// zhAttendance is the Chinese text every attendance page shares.
var zhAttendance = map[string]string{
	"attendance.status.present":  "出勤",
	"attendance.status.late":     "迟到",
	"attendance.status.excused":  "请假",
	"attendance.status.absent":   "缺勤",
	"attendance.status.none":     "未记录",
	"attendance.source.sheet":    "考勤表",
	"attendance.source.self":     "自助签到",
	"attendance.source.assisted": "代签",
	"attendance.source.walk_in":  "临时加入",
}

func init() { merge(zh, zhAttendance) }
