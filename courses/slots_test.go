package courses

import (
	"strings"
	"testing"
	"time"

	"partyschool/web"
)

func TestSlotsHTMLEscapesEverything(t *testing.T) {
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, web.Shanghai)
	s := Session{
		CourseID: 7, CourseTitle: `<script>alert("x")</script>`, CourseStatus: StatusDraft, Category: `policy" onclick="x`,
		LecturerID: 3, LecturerName: "李&建国", VenueID: 9, VenueName: `红色'议事厅`, VenueCommunity: "福通社区",
		Topic: "<b>议事</b>", StartsAt: at, EndsAt: at.Add(2 * time.Hour),
	}
	got := string(slotsHTML("zh-CN", "list", []Session{s}))
	for _, want := range []string{
		`<li class="slot cat-policy&#34; onclick=&#34;x">`,
		`19:00–21:00 <span class="badge badge-off">草稿</span>`,
		`<a href="/courses/7">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</a>`,
		`<span class="slot-topic">&lt;b&gt;议事&lt;/b&gt;</span>`,
		`href="/timetable?lecturer=3&amp;view=list">李&amp;建国</a>`,
		`href="/timetable?venue=9&amp;view=list">福通社区 红色&#39;议事厅</a>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("slot lacks %s\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script>") || strings.Contains(got, "<b>") {
		t.Errorf("unescaped markup in %s", got)
	}
	s.CourseStatus = StatusPublished
	if got := string(slotsHTML("en", "week", []Session{s})); strings.Contains(got, "badge") || strings.Contains(got, "view=list") {
		t.Errorf("a published session in the week view: %s", got)
	}
}
