package reference

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
)

// census_schedule_c.csv: U.S. Census Bureau, Schedule C — Classification of
// Country and Territory Designations for U.S. Foreign Trade Statistics
// (Code, Name, ISO_Code).
//
//go:embed census_schedule_c.csv
var scheduleCCSV string

// Country is one Schedule C entry.
type Country struct {
	Code string // four-digit Schedule C code, e.g. "5700"
	Name string
	ISO2 string
}

var scheduleC = sync.OnceValues(func() (map[string]Country, error) {
	rows, err := csv.NewReader(strings.NewReader(scheduleCCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("embedded schedule C: %w", err)
	}
	out := make(map[string]Country, len(rows))
	for _, r := range rows[1:] {
		out[r[0]] = Country{Code: r[0], Name: r[1], ISO2: r[2]}
	}
	return out, nil
})

// ScheduleC returns the country with Schedule C code code.
func ScheduleC(code string) (Country, bool) {
	m, err := scheduleC()
	if err != nil {
		panic(err) // the embedded table is part of the binary; tests cover it
	}
	c, ok := m[code]
	return c, ok && c.ISO2 != ""
}
