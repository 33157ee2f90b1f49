// Package places keeps the communities the school serves and the venues
// where its sessions meet. Courses and sessions refer to them.
package places

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"partyschool/database"
	"partyschool/web"
)

// Errors the store returns for the handlers to turn into messages.
var (
	ErrNotFound         = errors.New("venue not found")
	ErrVenueInUse       = errors.New("venue has sessions")
	ErrVenueNameTaken   = errors.New("venue name taken in this community")
	ErrUnknownCommunity = errors.New("no such community")
)

// Community is a residential community (社区) served by the school.
type Community struct {
	ID       int64  `db:"id"`
	Name     string `db:"name"`
	District string `db:"district"`
}

// Venue is a room where sessions meet. A venue without a community is the
// school's own. An inactive venue keeps its sessions but is not offered
// for new ones.
type Venue struct {
	ID            int64  `db:"id"`
	Name          string `db:"name"`
	CommunityID   *int64 `db:"community_id"`
	CommunityName string `db:"community_name"`
	Address       string `db:"address"`
	Seats         *int   `db:"seats"`
	Active        bool   `db:"active"`
}

// SeatCount returns the number of seats, 0 when unknown.
func (v Venue) SeatCount() int {
	if v.Seats == nil {
		return 0
	}
	return *v.Seats
}

// Limits of a venue's fields, as the schema holds them.
const (
	MaxVenueName    = 60
	MaxVenueAddress = 200
	MaxSeats        = 2000
)

// VenueForm is the venue form as typed.
type VenueForm struct {
	Name      string
	Community string // a community id, or "" for the school's own venue
	Address   string
	Seats     string
}

// FormOf returns the form that edits v.
func FormOf(v Venue) VenueForm {
	f := VenueForm{Name: v.Name, Address: v.Address}
	if v.CommunityID != nil {
		f.Community = strconv.FormatInt(*v.CommunityID, 10)
	}
	if v.Seats != nil {
		f.Seats = strconv.Itoa(*v.Seats)
	}
	return f
}

// Parse validates the form against the communities that exist and returns
// the venue it describes, or one message key per bad field.
func (f VenueForm) Parse(communities []Community) (Venue, web.FieldErrors) {
	errs := web.FieldErrors{}
	v := Venue{
		Name:    strings.TrimSpace(f.Name),
		Address: strings.TrimSpace(f.Address),
		Active:  true,
	}
	switch {
	case web.Blank(v.Name):
		errs.Add("name", "venues.name.required")
	case utf8.RuneCountInString(v.Name) > MaxVenueName:
		errs.Add("name", "venues.name.long")
	}
	if c := strings.TrimSpace(f.Community); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err == nil {
			for _, cm := range communities {
				if cm.ID == id {
					v.CommunityID, v.CommunityName = &id, cm.Name
					break
				}
			}
		}
		if v.CommunityID == nil {
			errs.Add("community", "venues.community.invalid")
		}
	}
	if utf8.RuneCountInString(v.Address) > MaxVenueAddress {
		errs.Add("address", "venues.address.long")
	}
	if s := strings.TrimSpace(halfWidthDigits(f.Seats)); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxSeats {
			errs.Add("seats", "venues.seats.invalid")
		} else {
			v.Seats = &n
		}
	}
	return v, errs
}

// halfWidthDigits turns the full-width digits a Chinese input method may
// type (１２０) into ASCII ones.
func halfWidthDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
}

// Store holds the SQL about communities and venues.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// Communities lists every community by name.
func (s *Store) Communities(ctx context.Context) ([]Community, error) {
	out := []Community{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, name, district FROM communities ORDER BY name LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list communities: %w", err)
	}
	return out, nil
}

const venueColumns = `v.id, v.name, v.community_id, coalesce(c.name, '') AS community_name, v.address, v.seats, v.active`

const venueFrom = ` FROM venues v LEFT JOIN communities c ON c.id = v.community_id`

// Venues lists every venue, active or not, with its community's name.
func (s *Store) Venues(ctx context.Context) ([]Venue, error) {
	out := []Venue{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+venueColumns+venueFrom+`
		ORDER BY c.name NULLS FIRST, v.name, v.id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list venues: %w", err)
	}
	return out, nil
}

// ActiveVenues lists the venues that new sessions may use.
func (s *Store) ActiveVenues(ctx context.Context) ([]Venue, error) {
	out := []Venue{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+venueColumns+venueFrom+`
		WHERE v.active
		ORDER BY c.name NULLS FIRST, v.name, v.id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list active venues: %w", err)
	}
	return out, nil
}

// VenueFilter chooses the venues of the management list.
type VenueFilter struct {
	CommunityID  int64 // only this community's venues; 0 for any
	SchoolOwn    bool  // only the school's own venues (no community)
	WithInactive bool  // include inactive venues
	Limit        int
	Offset       int
}

// ListVenues returns one page of the venues the filter chooses and how
// many there are in all.
func (s *Store) ListVenues(ctx context.Context, f VenueFilter) ([]Venue, int, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	const where = `
		WHERE ($1 OR v.active)
		  AND ($2::bigint = 0 OR v.community_id = $2::bigint)
		  AND (NOT $3 OR v.community_id IS NULL)`
	var total int
	err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM venues v`+where, f.WithInactive, f.CommunityID, f.SchoolOwn)
	if err != nil {
		return nil, 0, fmt.Errorf("count venues: %w", err)
	}
	out := []Venue{}
	err = s.db.SelectContext(ctx, &out, `SELECT `+venueColumns+venueFrom+where+`
		ORDER BY c.name NULLS FIRST, v.name, v.id
		LIMIT $4 OFFSET $5`,
		f.WithInactive, f.CommunityID, f.SchoolOwn, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list venues: %w", err)
	}
	return out, total, nil
}

// Venue returns one venue.
func (s *Store) Venue(ctx context.Context, id int64) (Venue, error) {
	var v Venue
	err := s.db.GetContext(ctx, &v, `SELECT `+venueColumns+venueFrom+` WHERE v.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Venue{}, ErrNotFound
	}
	if err != nil {
		return Venue{}, fmt.Errorf("read venue %d: %w", id, err)
	}
	return v, nil
}

// CreateVenue adds an active venue and returns its id.
func (s *Store) CreateVenue(ctx context.Context, v Venue) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		INSERT INTO venues (name, community_id, address, seats) VALUES ($1, $2, $3, $4)
		RETURNING id`,
		v.Name, v.CommunityID, v.Address, v.Seats)
	if err != nil {
		return 0, venueWriteError(err, fmt.Errorf("create venue %q: %w", v.Name, err))
	}
	return id, nil
}

// UpdateVenue saves a venue's name, community, address and seats.
func (s *Store) UpdateVenue(ctx context.Context, v Venue) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE venues SET name = $2, community_id = $3, address = $4, seats = $5 WHERE id = $1`,
		v.ID, v.Name, v.CommunityID, v.Address, v.Seats)
	if err != nil {
		return venueWriteError(err, fmt.Errorf("update venue %d: %w", v.ID, err))
	}
	return database.Affected(res, ErrNotFound)
}

// venueWriteError maps the constraint violations a venue form can cause.
func venueWriteError(err, wrapped error) error {
	switch {
	case database.IsViolation(err, database.UniqueViolation, "venues_community_name_key"):
		return ErrVenueNameTaken
	case database.IsViolation(err, database.ForeignKeyViolation, "venues_community_id_fkey"):
		return ErrUnknownCommunity
	}
	return wrapped
}

// SetVenueActive makes a venue available for new sessions again, or not.
// Its existing sessions stay as they are.
func (s *Store) SetVenueActive(ctx context.Context, id int64, active bool) error {
	res, err := s.db.ExecContext(ctx, `UPDATE venues SET active = $2 WHERE id = $1`, id, active)
	if err != nil {
		return fmt.Errorf("set venue %d active=%t: %w", id, active, err)
	}
	return database.Affected(res, ErrNotFound)
}

// DeleteVenue removes a venue that no session uses. The foreign keys
// decide, so a session booked at the same moment cannot slip through.
func (s *Store) DeleteVenue(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM venues WHERE id = $1`, id)
	if database.IsViolation(err, database.ForeignKeyViolation) {
		return ErrVenueInUse
	}
	if err != nil {
		return fmt.Errorf("delete venue %d: %w", id, err)
	}
	return database.Affected(res, ErrNotFound)
}

// CommunityIDs maps every community's name to its id, for importers that
// read communities by name.
func CommunityIDs(ctx context.Context, q sqlx.QueryerContext) (map[string]int64, error) {
	var list []Community
	if err := sqlx.SelectContext(ctx, q, &list, `SELECT id, name, district FROM communities`); err != nil {
		return nil, fmt.Errorf("read communities: %w", err)
	}
	out := make(map[string]int64, len(list))
	for _, m := range list {
		out[m.Name] = m.ID
	}
	return out, nil
}
