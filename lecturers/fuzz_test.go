package lecturers

import (
	"testing"
	"unicode/utf8"
)

// FuzzLecturerForm: any form parses without panicking; an accepted one has
// a name, a known team, a well-formed phone and at most 12 short topics.
func FuzzLecturerForm(f *testing.F) {
	f.Add("韩秀云", "grassroots", "138 0013 8000", "议事协商、矛盾调解，议事协商", "hanxy")
	f.Add(" ", "专家", "+86 12345", "、、,,;；", "NO BODY")
	f.Fuzz(func(t *testing.T, name, team, phone, topics, username string) {
		l, errs := Form{Name: name, Team: team, Phone: phone, Topics: topics, Username: username}.Parse()
		if errs.Any() {
			return
		}
		if l.Name == "" || !ValidTeam(l.Team) || len(l.Topics) > maxTopics {
			t.Errorf("accepted %+v", l)
		}
		if l.Phone != nil && (len(*l.Phone) != 11 || (*l.Phone)[0] != '1') {
			t.Errorf("accepted phone %q", *l.Phone)
		}
		for _, topic := range l.Topics {
			if topic == "" || utf8.RuneCountInString(topic) > maxTopic {
				t.Errorf("accepted topic %q", topic)
			}
		}
	})
}
