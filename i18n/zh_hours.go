package i18n

// zhHours is the Chinese text of the credit-hour pages: a trainee's own
// ledger and the coordinators' report of party members below the target.
var zhHours = map[string]string{
	"hours.my.title":     "我的学时",
	"hours.years":        "选择年份",
	"hours.year":         "%d 年",
	"hours.year.prev":    "‹ %d 年",
	"hours.year.next":    "%d 年 ›",
	"hours.total":        "已获学时",
	"hours.value":        "%s 学时",
	"hours.target":       "年度目标",
	"hours.left":         "还差",
	"hours.reached":      "已达到年度目标",
	"hours.progress":     "已完成年度目标的 %d%%",
	"hours.rule":         "学时怎么算：每门课程的学时平均分到它的各次课（停课的不算），出勤或迟到的课次计入相应学时，请假、缺勤不计，按上课日期（北京时间）计入当年。考勤尚未登记的课次暂不计学时。跟岗练兵的跟岗日出勤或迟到的，按当天跟岗时长计学时（半天 4 小时计 4 学时）。",
	"hours.courses":      "各课程学时",
	"hours.attended":     "出勤 %d 次，共 %d 次课",
	"hours.earned":       "获得 %s 学时",
	"hours.course.total": "（课程共 %s 学时）",
	"hours.none":         "这一年还没有获得学时。考勤尚未登记的课次不计学时，登记后会显示在这里。",

	"hours.report.title":         "党员学时未达标统计",
	"hours.report.intro":         "列出所选年份学时低于年度目标（%s 学时）的党员，学时最少的排在前面。",
	"hours.report.target.change": "修改年度目标",
	"hours.report.year":          "年份",
	"hours.report.community":     "社区",
	"hours.report.community.all": "全部社区",
	"hours.report.branch":        "党支部",
	"hours.report.branch.hint":   "可输入支部名称的一部分，或从提示中选择。",
	"hours.report.filter":        "筛选",
	"hours.report.counts":        "%d 年：共 %d 名党员，其中 %d 名未达标",
	"hours.report.export":        "导出 Excel（手机号隐去中间四位）",
	"hours.report.earned":        "已获 %s 学时",
	"hours.report.short":         "还差 %s 学时",
	"hours.report.pastend":       "这一页没有内容了，请回到前面的页。",
	"hours.report.allmet":        "所选范围内的党员都已达到年度目标。",
	"hours.report.nomembers":     "所选范围内没有党员。",
}

func init() { merge(zh, zhHours) }
