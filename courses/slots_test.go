package courses

import (
	"html/template"
	"io"
	"strconv"
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
	got := string(slotsHTML("zh-CN", "list", []Session{s}, false))
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
	if got := string(slotsHTML("en", "week", []Session{s}, false)); strings.Contains(got, "badge") || strings.Contains(got, "view=list") {
		t.Errorf("a published session in the week view: %s", got)
	}
}

// weekOfSessions is a city's week: 700 sessions.
func weekOfSessions() []Session {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, web.Shanghai)
	out := make([]Session, 700)
	for i := range out {
		out[i] = Session{
			CourseID: int64(i), CourseTitle: "城市社区治理专题培训 第12期", CourseStatus: StatusPublished, Category: CategoryPolicy,
			LecturerID: int64(i % 300), LecturerName: "讲师" + strconv.Itoa(i), VenueID: int64(i % 100),
			VenueName: "党群服务中心 12 号教室", VenueCommunity: "第12社区", Topic: "第3讲",
			StartsAt: at.Add(time.Duration(i) * time.Minute), EndsAt: at.Add(time.Duration(i)*time.Minute + 2*time.Hour),
		}
	}
	return out
}

// BenchmarkSlotsHTML writes a week of sessions with the escaping writer.
func BenchmarkSlotsHTML(b *testing.B) {
	sessions := weekOfSessions()
	b.ReportAllocs()
	for b.Loop() {
		slotsHTML("zh-CN", "week", sessions, false)
	}
}

// slotsTemplate is the same markup in html/template: the baseline the
// writer replaced.
var slotsTemplate = template.Must(template.New("slots").Funcs(template.FuncMap{
	"clock": func(t time.Time) string { return t.In(web.Shanghai).Format(web.ClockLayout) },
}).Parse(`{{range .}}<li class="slot cat-{{.Category}}"><p class="slot-time">{{clock .StartsAt}}–{{clock .EndsAt}}{{if ne .CourseStatus "published"}} <span class="badge badge-off">{{.CourseStatus}}</span>{{end}}</p><p class="slot-title"><a href="/courses/{{.CourseID}}">{{.CourseTitle}}</a>{{with .Topic}}<span class="slot-topic">{{.}}</span>{{end}}</p><p class="slot-meta"><a class="nowrap" href="/timetable?lecturer={{.LecturerID}}">{{.LecturerName}}</a> · <a class="phrase" href="/timetable?venue={{.VenueID}}">{{with .VenueCommunity}}{{.}} {{end}}{{.VenueName}}</a></p></li>{{end}}`))

// BenchmarkSlotsTemplate writes the same week through html/template.
func BenchmarkSlotsTemplate(b *testing.B) {
	sessions := weekOfSessions()
	b.ReportAllocs()
	for b.Loop() {
		if err := slotsTemplate.Execute(io.Discard, sessions); err != nil {
			b.Fatal(err)
		}
	}
}
