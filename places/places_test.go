package places_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"partyschool/dbtest"
	"partyschool/i18n"
	"partyschool/places"
	"partyschool/web"
)

func ptr[T any](v T) *T { return &v }

func TestVenueFormParse(t *testing.T) {
	communities := []places.Community{{ID: 7, Name: "幸福里社区"}}
	tests := []struct {
		name string
		form places.VenueForm
		want places.Venue
		errs web.FieldErrors
	}{
		{"school's own, minimal", places.VenueForm{Name: " 党员活动室 "},
			places.Venue{Name: "党员活动室", Active: true}, web.FieldErrors{}},
		{"everything", places.VenueForm{Name: "会议室", Community: "7", Address: " 幸福路 1 号 ", Seats: "40"},
			places.Venue{Name: "会议室", CommunityID: ptr(int64(7)), CommunityName: "幸福里社区", Address: "幸福路 1 号", Seats: ptr(40), Active: true}, web.FieldErrors{}},
		{"full-width digits", places.VenueForm{Name: "会议室", Seats: "１２０"},
			places.Venue{Name: "会议室", Seats: ptr(120), Active: true}, web.FieldErrors{}},
		{"seat limits", places.VenueForm{Name: "大礼堂", Seats: "2000"},
			places.Venue{Name: "大礼堂", Seats: ptr(2000), Active: true}, web.FieldErrors{}},
	}
	for _, tt := range tests {
		got, errs := tt.form.Parse(communities)
		if diff := cmp.Diff(tt.errs, errs); diff != "" {
			t.Errorf("%s: errors (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: venue (-want +got):\n%s", tt.name, diff)
		}
	}

	bad := []struct {
		name  string
		form  places.VenueForm
		field string
		key   string
	}{
		{"blank name", places.VenueForm{Name: "  "}, "name", "venues.name.required"},
		{"invisible name", places.VenueForm{Name: "\u200b"}, "name", "venues.name.required"},
		{"long name", places.VenueForm{Name: strings.Repeat("室", 61)}, "name", "venues.name.long"},
		{"unknown community", places.VenueForm{Name: "a", Community: "8"}, "community", "venues.community.invalid"},
		{"malformed community", places.VenueForm{Name: "a", Community: "seven"}, "community", "venues.community.invalid"},
		{"long address", places.VenueForm{Name: "a", Address: strings.Repeat("路", 201)}, "address", "venues.address.long"},
		{"negative seats", places.VenueForm{Name: "a", Seats: "-3"}, "seats", "venues.seats.invalid"},
		{"zero seats", places.VenueForm{Name: "a", Seats: "0"}, "seats", "venues.seats.invalid"},
		{"too many seats", places.VenueForm{Name: "a", Seats: "2001"}, "seats", "venues.seats.invalid"},
		{"words for seats", places.VenueForm{Name: "a", Seats: "abc"}, "seats", "venues.seats.invalid"},
		{"fraction of seats", places.VenueForm{Name: "a", Seats: "12.5"}, "seats", "venues.seats.invalid"},
		{"huge seats", places.VenueForm{Name: "a", Seats: "99999999999999999999"}, "seats", "venues.seats.invalid"},
	}
	for _, tt := range bad {
		_, errs := tt.form.Parse(communities)
		if errs[tt.field] != tt.key || len(errs) != 1 {
			t.Errorf("%s: errors %v, want only %s: %s", tt.name, errs, tt.field, tt.key)
		}
	}
}

func TestFormOfRoundTrips(t *testing.T) {
	communities := []places.Community{{ID: 3, Name: "和平社区"}}
	v := places.Venue{ID: 9, Name: "活动室", CommunityID: ptr(int64(3)), CommunityName: "和平社区", Address: "和平路", Seats: ptr(25), Active: true}
	got, errs := places.FormOf(v).Parse(communities)
	if errs.Any() {
		t.Fatalf("errors %v", errs)
	}
	got.ID = v.ID
	if diff := cmp.Diff(v, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestStoreVenues(t *testing.T) {
	db := dbtest.New(t)
	s := places.NewStore(db)
	ctx := context.Background()
	var cid int64
	if err := db.Get(&cid, `INSERT INTO communities (name) VALUES ('幸福里社区') RETURNING id`); err != nil {
		t.Fatal(err)
	}

	own, err := s.CreateVenue(ctx, places.Venue{Name: "活动室"})
	if err != nil {
		t.Fatal(err)
	}
	// The same name is fine in another community, not in the same one.
	theirs, err := s.CreateVenue(ctx, places.Venue{Name: "活动室", CommunityID: &cid, Seats: ptr(30)})
	if err != nil {
		t.Fatalf("same name in another community: %v", err)
	}
	if _, err := s.CreateVenue(ctx, places.Venue{Name: "活动室"}); !errors.Is(err, places.ErrVenueNameTaken) {
		t.Errorf("duplicate of the school's own: %v, want ErrVenueNameTaken", err)
	}
	if _, err := s.CreateVenue(ctx, places.Venue{Name: "活动室", CommunityID: &cid}); !errors.Is(err, places.ErrVenueNameTaken) {
		t.Errorf("duplicate in a community: %v, want ErrVenueNameTaken", err)
	}
	if _, err := s.CreateVenue(ctx, places.Venue{Name: "礼堂", CommunityID: ptr(int64(999999))}); !errors.Is(err, places.ErrUnknownCommunity) {
		t.Errorf("missing community: %v, want ErrUnknownCommunity", err)
	}
	if err := s.UpdateVenue(ctx, places.Venue{ID: theirs, Name: "活动室"}); !errors.Is(err, places.ErrVenueNameTaken) {
		t.Errorf("update into a duplicate: %v, want ErrVenueNameTaken", err)
	}

	v, err := s.Venue(ctx, theirs)
	if err != nil {
		t.Fatal(err)
	}
	want := places.Venue{ID: theirs, Name: "活动室", CommunityID: &cid, CommunityName: "幸福里社区", Seats: ptr(30), Active: true}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("venue (-want +got):\n%s", diff)
	}

	if err := s.SetVenueActive(ctx, own, false); err != nil {
		t.Fatal(err)
	}
	active, err := s.ActiveVenues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 1 || active[0].ID != theirs {
		t.Errorf("active venues = %+v, want only %d", active, theirs)
	}
	if all, err := s.Venues(ctx); err != nil || len(all) != 2 {
		t.Errorf("Venues() = %d venues, %v; want 2", len(all), err)
	}

	filters := []struct {
		name string
		f    places.VenueFilter
		want []int64
	}{
		{"default hides inactive", places.VenueFilter{}, []int64{theirs}},
		{"with inactive", places.VenueFilter{WithInactive: true}, []int64{own, theirs}},
		{"school's own", places.VenueFilter{SchoolOwn: true, WithInactive: true}, []int64{own}},
		{"one community", places.VenueFilter{CommunityID: cid, WithInactive: true}, []int64{theirs}},
		{"another community", places.VenueFilter{CommunityID: cid + 1, WithInactive: true}, nil},
		{"paged", places.VenueFilter{WithInactive: true, Limit: 1, Offset: 1}, []int64{theirs}},
	}
	for _, tt := range filters {
		list, total, err := s.ListVenues(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []int64
		for _, v := range list {
			got = append(got, v.ID)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", tt.name, diff)
		}
		if tt.f.Limit == 0 && total != len(tt.want) {
			t.Errorf("%s: total %d, want %d", tt.name, total, len(tt.want))
		}
	}

	if err := s.DeleteVenue(ctx, own); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"read":       func() error { _, err := s.Venue(ctx, own); return err }(),
		"update":     s.UpdateVenue(ctx, places.Venue{ID: own, Name: "x"}),
		"activate":   s.SetVenueActive(ctx, own, true),
		"delete":     s.DeleteVenue(ctx, own),
		"read other": func() error { _, err := s.Venue(ctx, 999999); return err }(),
	} {
		if !errors.Is(err, places.ErrNotFound) {
			t.Errorf("%s a deleted venue: %v, want ErrNotFound", name, err)
		}
	}
}

// TestMessageKeysExist: every catalogue key this package names is in both
// languages (the i18n test checks the templates and other domains' keys).
func TestMessageKeysExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`"((?:venues|form)\.[a-z0-9.-]+)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			n++
			for _, lang := range []string{i18n.Chinese, i18n.English} {
				if !i18n.Has(lang, m[1]) {
					t.Errorf("%s: key %q missing in %s", f, m[1], lang)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("found only %d keys: the pattern is stale", n)
	}
}
