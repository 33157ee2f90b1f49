package i18n

// zhTrainees is the Chinese text of a trainee's own pages: profile,
// enrolment and my schedule, and the words every trainee page shares.
var zhTrainees = map[string]string{
	"nav.schedule": "我的课表",
	"nav.hours":    "我的学时",
	"nav.trainees": "学员",

	"kind.party_member":     "党员",
	"kind.community_worker": "社区工作者",
	"kind.resident":         "居民",
	"kind.volunteer":        "志愿者",
	"gender.female":         "女",
	"gender.male":           "男",

	"trainees.name":              "姓名",
	"trainees.phone":             "手机号",
	"trainees.gender":            "性别",
	"trainees.gender.none":       "不填",
	"trainees.gender.invalid":    "请选择性别，或选择“不填”。",
	"trainees.community":         "所在社区",
	"trainees.community.none":    "不属于下列社区",
	"trainees.community.invalid": "请从列表中选择社区。",
	"trainees.organisation":      "工作单位",
	"trainees.organisation.hint": "选填，例如：长城花园社区居委会、市第一中学。",
	"trainees.organisation.long": "工作单位最多 60 个字。",
	"trainees.kind":              "学员类型",
	"trainees.kind.invalid":      "请选择学员类型。",
	"trainees.branch":            "所在党支部",
	"trainees.branch.hint":       "党员填写，例如：长城花园社区第一党支部。",
	"trainees.branch.long":       "党支部名称最多 60 个字。",
	"trainees.phone.taken":       "这个手机号已被另一个账号使用。",
	"trainees.no_profile":        "未填写资料",
}

func init() { merge(zh, zhTrainees) }
