package web

import (
	"time"
	_ "time/tzdata" // the zone must load on machines without a zoneinfo database
)

// Shanghai is the zone every time is shown in.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic("load Asia/Shanghai: " + err.Error())
	}
	return loc
}()
