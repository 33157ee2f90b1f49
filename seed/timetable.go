package seed

import (
	"fmt"
	"time"

	"partyschool/web"
)

// course is a course of the demo term. Its dates follow from its sessions,
// which are placed relative to the week the seed runs in, so the timetable
// always has something on in the coming weeks.
type course struct {
	Code, Title, Category, Status string
	Description                   string
	Community                     string // host community; "" for the school itself
	Venue                         string // a venue of the host community, where every session meets
	Capacity                      int
	CreditHours                   float64
	MinAttendance                 int
	Sessions                      []session
}

// session is one meeting of a demo course: Week 0 is the week the seed
// runs in, -1 the week before; From and To are Beijing time.
type session struct {
	Week     int
	Day      time.Weekday
	From, To string
	Lecturer string // a name in roster
	Topic    string
}

// term is the demo term. The schedule is planned so that no lecturer and
// no venue is booked twice (the database refuses it), and so that whatever
// the day, there is a published session at 19:00 that day or the next.
var term = []course{
	{Code: "DX-2026-01", Title: "学习贯彻党的二十届四中全会精神宣讲", Category: "policy", Status: "published",
		Description: "面向社区党员和社区工作者的系列宣讲，分四讲解读党的二十届四中全会精神，结合基层工作谈贯彻落实。",
		Venue:       "市社区实训基地 第一实训室", Capacity: 60, CreditHours: 8, MinAttendance: 80,
		Sessions: []session{
			{-1, time.Tuesday, "19:00", "21:00", "李建国", "全会精神总体解读"},
			{0, time.Tuesday, "19:00", "21:00", "李建国", "全会精神与基层党建"},
			{1, time.Tuesday, "19:00", "21:00", "林雅琴", "“十五五”规划建议的要点"},
			{2, time.Tuesday, "19:00", "21:00", "沈国华", "老党员谈学习体会"},
		}},
	{Code: "DX-2026-02", Title: "社区工作者入职实训", Category: "practice", Status: "published",
		Description: "新入职社区工作者的岗前实训：在模拟接待大厅里练接待、走访、台账和议事，八次课共十六学时。",
		Venue:       "市社区实训基地 模拟接待大厅", Capacity: 40, CreditHours: 16, MinAttendance: 80,
		Sessions: []session{
			{1, time.Monday, "14:30", "16:30", "李建国", "社区工作者的职责与党建引领"},
			{1, time.Thursday, "14:30", "16:30", "孙立新", "居民接待与诉求办理"},
			{2, time.Monday, "14:30", "16:30", "郭志强", "入户走访与楼门工作"},
			{2, time.Thursday, "14:30", "16:30", "孙立新", "网格巡查与信息上报"},
			{3, time.Monday, "14:30", "16:30", "马丽娟", "台账、公文与社区信息系统"},
			{3, time.Thursday, "14:30", "16:30", "陈思远", "社区议事规则与居民会议"},
			{4, time.Monday, "14:30", "16:30", "罗建平", "志愿者的招募与管理"},
			{4, time.Thursday, "14:30", "16:30", "周文华", "社区工作中的法律常识"},
		}},
	{Code: "DX-2026-03", Title: "网格员矛盾调解实务", Category: "practice", Status: "published",
		Description: "以真实案例为主的小班实训，学员分组演练邻里、物业和家庭纠纷的调解。",
		Community:   "福通社区", Venue: "红色议事厅", Capacity: 20, CreditHours: 12, MinAttendance: 80,
		Sessions: []session{
			{0, time.Wednesday, "19:00", "21:00", "何永福", "人民调解的基本方法"},
			{1, time.Wednesday, "19:00", "21:00", "周文华", "民法典中的相邻关系与物业纠纷"},
			{2, time.Wednesday, "19:00", "21:00", "孙立新", "网格内常见矛盾的发现与上报"},
			{3, time.Wednesday, "19:00", "21:00", "郭志强", "楼门长怎样化解邻里纠纷"},
			{4, time.Wednesday, "19:00", "21:00", "杨德明", "调解案例复盘"},
			{5, time.Wednesday, "19:00", "21:00", "何永福", "模拟调解演练"},
		}},
	{Code: "DX-2026-04", Title: "老旧小区改造议事协商交流会", Category: "exchange", Status: "published",
		Description: "围着罐罐茶炉子议改造：居民代表、网格长和专家一起商量加装电梯、停车和公共空间改造。",
		Community:   "和平里社区", Venue: "罐罐茶议事吧", Capacity: 30, CreditHours: 6, MinAttendance: 80,
		Sessions: []session{
			{0, time.Saturday, "19:00", "21:00", "许文静", "老旧小区改造政策与居民出资"},
			{1, time.Saturday, "19:00", "21:00", "韩国栋", "加装电梯的楼栋议事"},
			{2, time.Saturday, "19:00", "21:00", "钱守仁", "停车与公共空间改造协商"},
		}},
	{Code: "DX-2026-05", Title: "新任社区工作者跟岗练兵（第一期）", Category: "mentoring", Status: "published",
		Description: "新任社区工作者到长城花园社区跟岗，由社区书记和骨干带教，每次半天，共三十二学时。",
		Community:   "长城花园社区", Venue: "社区党校教室", Capacity: 24, CreditHours: 32, MinAttendance: 80,
		Sessions: []session{
			{0, time.Tuesday, "14:00", "18:00", "赵红梅", "跟岗：社区党委的日常工作"},
			{0, time.Thursday, "14:00", "18:00", "田晓燕", "跟岗：党员教育与组织生活"},
			{1, time.Tuesday, "14:00", "18:00", "赵红梅", "跟岗：居民议事会的组织"},
			{1, time.Thursday, "14:00", "18:00", "冯雪", "跟岗：为老服务与入户探访"},
			{2, time.Tuesday, "14:00", "18:00", "韩国栋", "跟岗：网格长的一天"},
			{2, time.Thursday, "14:00", "18:00", "田晓燕", "跟岗：志愿服务活动策划"},
			{3, time.Tuesday, "14:00", "18:00", "杨德明", "跟岗：老党员谈群众工作方法"},
			{3, time.Thursday, "14:00", "18:00", "赵红梅", "跟岗总结与导师点评"},
		}},
	{Code: "DX-2026-06", Title: "民法典进社区", Category: "policy", Status: "published",
		Description: "律师和老调解员用身边的案例讲民法典，每周五晚一讲。",
		Community:   "银新苑南社区", Venue: "社区党校教室", Capacity: 45, CreditHours: 6, MinAttendance: 80,
		Sessions: []session{
			{0, time.Friday, "19:00", "21:00", "周文华", "物业服务与相邻关系"},
			{1, time.Friday, "19:00", "21:00", "周文华", "婚姻家庭与继承"},
			{2, time.Friday, "19:00", "21:00", "何永福", "老年人权益保障与防范养老诈骗"},
		}},
	{Code: "DX-2026-07", Title: "垃圾分类指导员培训", Category: "practice", Status: "published",
		Description: "培养楼栋垃圾分类指导员：先在驿站学分类标准，再到投放点跟班督导。",
		Community:   "银啤苑社区", Venue: "邻里驿站", Capacity: 25, CreditHours: 5, MinAttendance: 80,
		Sessions: []session{
			{1, time.Saturday, "09:00", "11:30", "高振宇", "分类标准与常见误区"},
			{2, time.Saturday, "09:00", "11:30", "马丽娟", "入户宣传与桶边督导"},
		}},
	{Code: "DX-2026-08", Title: "智慧养老服务实训", Category: "practice", Status: "published",
		Description: "面向社区工作者和助老志愿者，学用智能设备和养老服务平台，把服务送到老人家门口。",
		Community:   "东湖湾社区", Venue: "党群服务中心多功能厅", Capacity: 30, CreditHours: 8, MinAttendance: 80,
		Sessions: []session{
			{3, time.Wednesday, "14:30", "16:30", "刘慧敏", "居家社区养老服务政策"},
			{4, time.Wednesday, "14:30", "16:30", "冯雪", "智能手环与紧急呼叫设备的使用"},
			{5, time.Wednesday, "14:30", "16:30", "郑淑珍", "老年人健康照护与防跌倒"},
			{6, time.Wednesday, "14:30", "16:30", "蒋秀芳", "助老志愿服务的沟通技巧"},
		}},
	{Code: "DX-2026-09", Title: "夕阳红讲党史·红色故事会", Category: "policy", Status: "published",
		Description: "夕阳红讲师讲亲历的党史故事，欢迎居民和青年党员一起来听。",
		Community:   "红旗新村社区", Venue: "老党员活动室", Capacity: 40, CreditHours: 8, MinAttendance: 75,
		Sessions: []session{
			{0, time.Monday, "19:00", "21:00", "吴桂英", "红色家书里的初心"},
			{1, time.Monday, "19:00", "21:00", "杨德明", "我所经历的改革开放"},
			{2, time.Monday, "19:00", "21:00", "沈国华", "身边的优秀共产党员"},
			{3, time.Monday, "19:00", "21:00", "钱守仁", "老党员讲社区变迁"},
		}},
	{Code: "DX-2026-10", Title: "志愿服务项目化运作交流培训", Category: "exchange", Status: "draft",
		Description: "各社区志愿服务队交流项目经验，学习项目书的撰写与成效评估。",
		Venue:       "市社区实训基地 第一实训室", Capacity: 40, CreditHours: 4, MinAttendance: 80,
		Sessions: []session{
			{4, time.Thursday, "19:00", "21:00", "罗建平", "志愿服务项目的设计与评估"},
			{5, time.Thursday, "19:00", "21:00", "蒋秀芳", "老年志愿者队伍的经验交流"},
		}},
	{Code: "DX-2026-11", Title: "社区议事协商能力提升班", Category: "exchange", Status: "closed",
		Description: "学习居民议事会的程序和规则，交流各社区议事协商的做法。",
		Community:   "幸福家园社区", Venue: "红色议事厅", Capacity: 35, CreditHours: 6, MinAttendance: 80,
		Sessions: []session{
			{-6, time.Thursday, "14:30", "16:30", "陈思远", "议事协商的程序与规则"},
			{-5, time.Thursday, "14:30", "16:30", "赵红梅", "居民议事会实操"},
			{-4, time.Thursday, "14:30", "16:30", "钱守仁", "议事协商案例交流"},
		}},
	{Code: "DX-2025-09", Title: "垃圾分类进万家宣讲", Category: "policy", Status: "archived",
		Description: "上学期的垃圾分类宣讲，楼门长和专家讲分类新规和积分兑换。",
		Community:   "东湖湾社区", Venue: "党群服务中心多功能厅", Capacity: 50, CreditHours: 5, MinAttendance: 80,
		Sessions: []session{
			{-20, time.Saturday, "09:00", "11:30", "唐玉珍", "楼门长讲分类：从撤桶并站说起"},
			{-19, time.Saturday, "09:00", "11:30", "高振宇", "分类新规与积分兑换"},
		}},
}

// weekOf returns midnight, Beijing time, of the Monday of t's week.
func weekOf(t time.Time) time.Time {
	t = t.In(web.Shanghai)
	back := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, web.Shanghai)
}

// times returns when s starts and ends, the week starting on monday.
func (s session) times(monday time.Time) (start, end time.Time, err error) {
	day := monday.AddDate(0, 0, 7*s.Week+(int(s.Day)+6)%7)
	if start, err = onDay(day, s.From); err != nil {
		return start, end, err
	}
	end, err = onDay(day, s.To)
	return start, end, err
}

// dates returns the first and last day of c's sessions, the week starting
// on monday, as midnight Beijing time.
func (c course) dates(monday time.Time) (first, last time.Time, err error) {
	if len(c.Sessions) == 0 {
		return first, last, fmt.Errorf("course %s has no sessions", c.Code)
	}
	for i, s := range c.Sessions {
		start, _, err := s.times(monday)
		if err != nil {
			return first, last, err
		}
		day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, web.Shanghai)
		if i == 0 || day.Before(first) {
			first = day
		}
		if i == 0 || day.After(last) {
			last = day
		}
	}
	return first, last, nil
}

// onDay returns the time clock ("19:00", Beijing time) on day.
func onDay(day time.Time, clock string) (time.Time, error) {
	t, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("session time %q: %w", clock, err)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, web.Shanghai), nil
}
