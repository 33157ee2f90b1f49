// Package places keeps the communities the school serves and the venues
// where its sessions meet. Courses and sessions refer to them.
package places

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Community is a residential community (社区) served by the school.
type Community struct {
	ID       int64  `db:"id"`
	Name     string `db:"name"`
	District string `db:"district"`
}

// Venue is a room where sessions meet.
type Venue struct {
	ID            int64  `db:"id"`
	Name          string `db:"name"`
	CommunityID   *int64 `db:"community_id"`
	CommunityName string `db:"community_name"`
	Address       string `db:"address"`
	Seats         *int   `db:"seats"`
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

// Venues lists every venue with its community's name.
func (s *Store) Venues(ctx context.Context) ([]Venue, error) {
	out := []Venue{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT v.id, v.name, v.community_id, coalesce(c.name, '') AS community_name, v.address, v.seats
		FROM venues v LEFT JOIN communities c ON c.id = v.community_id
		ORDER BY c.name NULLS FIRST, v.name LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list venues: %w", err)
	}
	return out, nil
}
