package i18n

var enCommunities = map[string]string{
	"communities.title":         "Communities",
	"communities.intro":         "The communities the school serves. Courses, lecturers and venues can belong to one.",
	"communities.name":          "Name",
	"communities.name.required": "Enter the community's name.",
	"communities.name.long":     "The name may have at most 60 characters.",
	"communities.name.taken":    "A community has this name already.",
	"communities.district":      "Subdistrict",
	"communities.district.long": "The subdistrict may have at most 60 characters.",
	"communities.add":           "Add a community",
	"communities.rename":        "Edit",
	"communities.delete":        "Delete",
	"communities.count":         "%d communities",
	"communities.use":           "%d venues · %d lecturers · %d courses",
	"communities.saved":         "The community is saved.",
	"communities.deleted":       "The community is deleted.",
	"communities.inuse":         "Venues, lecturers or courses belong to this community; it cannot be deleted.",
	"communities.link":          "Communities",
}

func init() { merge(en, enCommunities) }
