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
}

type demoUser struct {
	Username, Name, Phone, Role string
}

// Lecturers are the demo lecturers with the roster each belongs to; the
// first is the `lecturer` demo account. The rosters feature loads the
// teams from here.
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
