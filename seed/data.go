package seed

import (
	"fmt"

	"partyschool/web"
)

var communities = []struct{ Name, District string }{
	{"长城花园社区", "城东街道"},
	{"福通社区", "城东街道"},
	{"银啤苑社区", "银河街道"},
	{"银新苑南社区", "银河街道"},
	{"安居苑社区", "安居街道"},
	{"和平里社区", "安居街道"},
	{"幸福家园社区", "城西街道"},
	{"东湖湾社区", "城西街道"},
	{"红旗新村社区", "红旗街道"},
	{"滨河社区", "红旗街道"},
}

var venues = []struct {
	Name, Community, Address string
	Seats                    int
}{
	{"市社区实训基地 第一实训室", "", "市民中心北楼三层", 60},
	{"市社区实训基地 模拟接待大厅", "", "市民中心北楼一层", 40},
	{"社区党校教室", "长城花园社区", "长城花园社区党群服务中心二层", 50},
	{"红色议事厅", "福通社区", "福通社区党群服务中心一层", 30},
	{"邻里驿站", "银啤苑社区", "银啤苑小区 6 号楼东侧", 25},
	{"社区党校教室", "银新苑南社区", "银新苑南社区服务站二层", 45},
	{"邻里驿站", "安居苑社区", "安居苑小区中心花园旁", 20},
	{"红色议事厅", "幸福家园社区", "幸福家园社区党群服务中心三层", 35},
	{"罐罐茶议事吧", "和平里社区", "和平里小区 3 号楼底商", 30},
	{"党群服务中心多功能厅", "东湖湾社区", "东湖湾社区党群服务中心一层", 80},
	{"老党员活动室", "红旗新村社区", "红旗新村社区服务站一层", 40},
}

type demoUser struct {
	Username, Name, Phone, Role string
}

// Lecturers are the demo lecturers who have accounts, with the roster each
// belongs to; the first is the `lecturer` demo account. Their profiles, and
// the lecturers without accounts, are in roster.
var Lecturers = []struct{ Name, Team string }{
	{"李建国", "expert"}, {"陈思远", "expert"}, {"周文华", "expert"}, {"刘慧敏", "expert"},
	{"赵红梅", "grassroots"}, {"孙立新", "grassroots"}, {"马丽娟", "grassroots"}, {"郭志强", "grassroots"},
	{"杨德明", "senior"}, {"吴桂英", "senior"}, {"何永福", "senior"}, {"郑淑珍", "senior"},
}

var traineeSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
var traineeGivenNames = []string{"晓梅", "志刚", "丽华", "建军", "秀英", "海燕", "国庆", "春燕", "文博", "雨涵",
	"子轩", "欣怡", "振华", "玉兰", "永强", "婷婷", "宏伟", "静", "磊", "雪梅"}

// users returns the demo accounts, lecturers and trainees. Phone numbers
// follow a fixed pattern in the 139 0000 range so they are recognisably
// fake and stable across runs.
func users() []demoUser {
	var out []demoUser
	for _, a := range DemoAccounts {
		u := demoUser{Username: a.Username, Name: a.Name, Role: a.Role}
		switch a.Role {
		case web.RoleLecturer:
			u.Phone = "13900001001"
		case web.RoleTrainee:
			u.Phone = "13900002001"
		case web.RoleCoordinator:
			u.Phone = "13900000002"
		}
		out = append(out, u)
	}
	for i, l := range Lecturers[1:] {
		out = append(out, demoUser{
			Username: fmt.Sprintf("lecturer%02d", i+2),
			Name:     l.Name,
			Phone:    fmt.Sprintf("139000010%02d", i+2),
			Role:     web.RoleLecturer,
		})
	}
	for i := 2; i <= 40; i++ {
		name := string(traineeSurnames[(i*7)%len(traineeSurnames)]) + traineeGivenNames[(i*3+i/20)%len(traineeGivenNames)]
		out = append(out, demoUser{
			Username: fmt.Sprintf("trainee%02d", i),
			Name:     name,
			Phone:    fmt.Sprintf("139000020%02d", i),
			Role:     web.RoleTrainee,
		})
	}
	return out
}

// roster is every demo lecturer as the three teams list them, eight to a
// team. The twelve with a Username are Lecturers, linked to that account
// and sharing its phone; the others have no account and phones in the
// 139 0000 3xxx range.
var roster = []struct {
	Name, Team, Username, Phone    string
	Title, Organisation, Community string
	Topics                         []string
	Bio                            string
	Inactive                       bool
}{
	// 专家讲师
	{Name: "李建国", Team: "expert", Username: "lecturer", Phone: "13900001001",
		Title: "市委党校副教授", Organisation: "市委党校党建教研部",
		Topics: []string{"基层党建", "政策解读", "党史学习"},
		Bio:    "长期研究基层党建和城市社区治理，是市委宣讲团成员，常年到社区党校主讲理论宣讲课。"},
	{Name: "陈思远", Team: "expert", Username: "lecturer02", Phone: "13900001002",
		Title: "市委党校讲师", Organisation: "市委党校公共管理教研部",
		Topics: []string{"社区治理", "网格化管理"},
		Bio:    "研究城市基层治理，参与编写本市社区网格化管理工作指引。"},
	{Name: "周文华", Team: "expert", Username: "lecturer03", Phone: "13900001003",
		Title: "执业律师", Organisation: "市法律援助中心",
		Topics: []string{"民法典", "矛盾调解"},
		Bio:    "从事法律援助十余年，常年在社区开展民法典普法和免费法律咨询。"},
	{Name: "刘慧敏", Team: "expert", Username: "lecturer04", Phone: "13900001004",
		Title: "养老服务处副处长", Organisation: "市民政局",
		Topics: []string{"养老服务", "政策解读"},
		Bio:    "负责全市居家社区养老服务体系建设，熟悉养老服务补贴和智慧养老平台。"},
	{Name: "高振宇", Team: "expert", Phone: "13900003001",
		Title: "垃圾分类指导中心工程师", Organisation: "市城市管理委员会",
		Topics: []string{"垃圾分类"},
		Bio:    "参与制定本市生活垃圾分类实施方案，经常到小区投放点现场指导。"},
	{Name: "林雅琴", Team: "expert", Phone: "13900003002",
		Title: "市委党校教授", Organisation: "市委党校党史党建教研部",
		Topics: []string{"党史学习", "政策解读", "基层党建"},
		Bio:    "讲授党史和党的理论课程二十余年，著有《城市社区党建的实践探索》。"},
	{Name: "罗建平", Team: "expert", Phone: "13900003003",
		Title: "高级社会工作师", Organisation: "市社会工作协会",
		Topics: []string{"志愿服务", "社区治理"},
		Bio:    "督导社区社会工作项目多年，擅长志愿服务项目的设计与成效评估。"},
	{Name: "许文静", Team: "expert", Phone: "13900003004",
		Title: "城市更新处工程师", Organisation: "市住房和城乡建设局",
		Topics: []string{"老旧小区改造", "政策解读"},
		Bio:    "参与全市老旧小区改造项目，熟悉加装电梯和居民协商出资的流程。"},

	// 草根讲师
	{Name: "赵红梅", Team: "grassroots", Username: "lecturer05", Phone: "13900001005",
		Title: "社区党委书记", Organisation: "长城花园社区党委", Community: "长城花园社区",
		Topics: []string{"基层党建", "社区治理", "志愿服务"},
		Bio:    "扎根社区二十年，带领长城花园社区建成全市党建引领社区治理示范点。"},
	{Name: "孙立新", Team: "grassroots", Username: "lecturer06", Phone: "13900001006",
		Title: "社区网格员", Organisation: "福通社区居委会", Community: "福通社区",
		Topics: []string{"网格化管理", "矛盾调解"},
		Bio:    "负责福通社区第三网格，熟悉网格巡查、信息上报和邻里纠纷的化解。"},
	{Name: "马丽娟", Team: "grassroots", Username: "lecturer07", Phone: "13900001007",
		Title: "社区居委会主任", Organisation: "银啤苑社区居委会", Community: "银啤苑社区",
		Topics: []string{"垃圾分类", "志愿服务", "社区治理"},
		Bio:    "带领居民完成小区垃圾分类改造，组建了银啤苑社区志愿服务队。"},
	{Name: "郭志强", Team: "grassroots", Username: "lecturer08", Phone: "13900001008",
		Title: "楼门长", Organisation: "安居苑小区 12 号楼", Community: "安居苑社区",
		Topics: []string{"矛盾调解", "社区治理"},
		Bio:    "当了十年楼门长，楼里谁家有事都愿意找他商量。"},
	{Name: "田晓燕", Team: "grassroots", Phone: "13900003005",
		Title: "社区党委副书记", Organisation: "银新苑南社区党委", Community: "银新苑南社区",
		Topics: []string{"基层党建", "志愿服务", "养老服务"},
		Bio:    "负责社区党员教育管理，创办了“银新红管家”党员志愿服务品牌。"},
	{Name: "韩国栋", Team: "grassroots", Phone: "13900003006",
		Title: "社区网格长", Organisation: "和平里社区居委会", Community: "和平里社区",
		Topics: []string{"网格化管理", "老旧小区改造"},
		Bio:    "牵头和平里社区老旧小区改造议事，推动三栋楼加装了电梯。"},
	{Name: "冯雪", Team: "grassroots", Phone: "13900003007",
		Title: "社区社会工作者", Organisation: "东湖湾社区居委会", Community: "东湖湾社区",
		Topics: []string{"养老服务", "志愿服务"},
		Bio:    "负责东湖湾社区为老服务，组织“时间银行”助老志愿活动。"},
	{Name: "曹建新", Team: "grassroots", Phone: "13900003008", Inactive: true,
		Title: "原社区党支部书记", Organisation: "红旗新村社区党委", Community: "红旗新村社区",
		Topics: []string{"基层党建", "社区治理"},
		Bio:    "曾任红旗新村社区党支部书记，现已调任街道工作，暂停授课。"},

	// 夕阳红讲师
	{Name: "杨德明", Team: "senior", Username: "lecturer09", Phone: "13900001009",
		Title: "退休老党员 原街道工委副书记", Organisation: "城东街道老干部宣讲团",
		Topics: []string{"党史学习", "矛盾调解", "基层党建"},
		Bio:    "在街道工作三十多年，退休后坚持义务宣讲，也常被请去调解邻里纠纷。"},
	{Name: "吴桂英", Team: "senior", Username: "lecturer10", Phone: "13900001010",
		Title: "退休教师", Organisation: "银河街道老干部宣讲团", Community: "银啤苑社区",
		Topics: []string{"党史学习", "志愿服务"},
		Bio:    "退休语文教师，用红色家书和老照片给居民和孩子们讲党史。"},
	{Name: "何永福", Team: "senior", Username: "lecturer11", Phone: "13900001011",
		Title: "退休老党员 原区司法局人民调解员", Organisation: "安居苑社区人民调解委员会", Community: "安居苑社区",
		Topics: []string{"矛盾调解", "民法典"},
		Bio:    "从事人民调解二十五年，调解过上千起邻里和家庭纠纷。"},
	{Name: "郑淑珍", Team: "senior", Username: "lecturer12", Phone: "13900001012",
		Title: "退休医生 原社区卫生服务中心主任", Organisation: "幸福家园社区老年协会", Community: "幸福家园社区",
		Topics: []string{"养老服务"},
		Bio:    "退休后坚持在社区义诊，给老人讲健康照护和防跌倒。"},
	{Name: "钱守仁", Team: "senior", Phone: "13900003009",
		Title: "退休干部 原区人大代表", Organisation: "红旗新村社区老党员宣讲队", Community: "红旗新村社区",
		Topics: []string{"社区治理", "政策解读", "党史学习"},
		Bio:    "当过两届区人大代表，熟悉居民议事协商，退休后牵头社区老党员宣讲队。"},
	{Name: "蒋秀芳", Team: "senior", Phone: "13900003010",
		Title: "社区老年协会会长", Organisation: "东湖湾社区老年协会", Community: "东湖湾社区",
		Topics: []string{"志愿服务", "养老服务"},
		Bio:    "组织低龄老人服务高龄老人，带出一支六十多人的助老志愿队。"},
	{Name: "沈国华", Team: "senior", Phone: "13900003011",
		Title: "退休老党员 原国企党委书记", Organisation: "城西街道老干部宣讲团",
		Topics: []string{"基层党建", "党史学习"},
		Bio:    "做了二十年企业党务工作，讲课爱用身边人身边事。"},
	{Name: "唐玉珍", Team: "senior", Phone: "13900003012", Inactive: true,
		Title: "楼门长 退休工人", Organisation: "银啤苑小区 6 号楼", Community: "银啤苑社区",
		Topics: []string{"垃圾分类"},
		Bio:    "银啤苑小区的老楼门长，带头在楼里推行垃圾分类，因身体原因暂停授课。"},
}
