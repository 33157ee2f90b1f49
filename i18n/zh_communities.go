package i18n

var zhCommunities = map[string]string{
	"communities.title":         "社区名单",
	"communities.intro":         "学校服务的社区。课程、讲师和场地可以选择所属社区。",
	"communities.name":          "社区名称",
	"communities.name.required": "请填写社区名称。",
	"communities.name.long":     "社区名称不能超过 60 个字。",
	"communities.name.taken":    "已有同名社区。",
	"communities.district":      "所属街道",
	"communities.district.long": "街道名称不能超过 60 个字。",
	"communities.add":           "添加社区",
	"communities.rename":        "修改",
	"communities.delete":        "删除",
	"communities.count":         "共 %d 个社区",
	"communities.use":           "场地 %d 个 · 讲师 %d 位 · 课程 %d 门",
	"communities.saved":         "社区已保存。",
	"communities.deleted":       "社区已删除。",
	"communities.inuse":         "这个社区已有场地、讲师或课程，不能删除。",
	"communities.link":          "社区名单",
}

func init() { merge(zh, zhCommunities) }
