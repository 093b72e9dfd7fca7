package civil

import (
	"fmt"
	"time"
)

// Date is a calendar date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Month is a calendar month, the unit of a partition.
type Month struct {
	Year  int
	Month time.Month
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// MonthOf returns the calendar month of t in t's location.
func MonthOf(t time.Time) Month {
	y, m, _ := t.Date()
	return Month{y, m}
}

// In returns midnight UTC of d.
func (d Date) In() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Valid reports whether d names a real day.
func (d Date) Valid() bool {
	t := d.In()
	return t.Year() == d.Year && t.Month() == d.Month && t.Day() == d.Day
}

// DaysSinceEpoch is the Parquet DATE representation: days since 1970-01-01.
func (d Date) DaysSinceEpoch() int32 {
	return int32(d.In().Unix() / 86400)
}

// DateFromDays is the inverse of DaysSinceEpoch.
func DateFromDays(days int32) Date {
	return DateOf(time.Unix(int64(days)*86400, 0).UTC())
}

// Month returns the month d falls in.
func (d Date) MonthOf() Month { return Month{d.Year, d.Month} }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// ParseMonth parses YYYY-MM.
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("parse month %q: want YYYY-MM", s)
	}
	return MonthOf(t), nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// First is the first day of m; the Parquet period column holds it.
func (m Month) First() Date { return Date{m.Year, m.Month, 1} }

// AddMonths returns m shifted by n months (n may be negative).
func (m Month) AddMonths(n int) Month {
	idx := m.Year*12 + int(m.Month) - 1 + n
	return Month{idx / 12, time.Month(idx%12 + 1)}
}

// Before reports whether m is earlier than o.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || (m.Year == o.Year && m.Month < o.Month)
}

// IsZero reports whether m is the zero Month.
func (m Month) IsZero() bool { return m.Year == 0 && m.Month == 0 }

// Range returns every month from a through b inclusive; nil when b is before a.
func Range(a, b Month) []Month {
	var out []Month
	for m := a; !b.Before(m); m = m.AddMonths(1) {
		out = append(out, m)
	}
	return out
}

// MarshalText implements encoding.TextMarshaler (YYYY-MM).
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (YYYY-MM; "0000-00"
// is the zero Month, as MarshalText writes it).
func (m *Month) UnmarshalText(b []byte) error {
	if string(b) == "0000-00" {
		*m = Month{}
		return nil
	}
	v, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
