package schema

import (
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
)

// TradeTotalPartition is where country totals of source, flow and month live.
func TradeTotalPartition(source, flow string, m civil.Month) Partition {
	return Partition{
		Dataset: DatasetTradeTotals,
		Path:    fmt.Sprintf("%s/source=%s/flow=%s/%s", DatasetTradeTotals, source, flow, monthPath(m)),
		Month:   m,
	}
}

// TradeTotal is a reporter's published total with one partner for a month
// (e.g. GACC's monthly release tables), which HS-level rows reconcile to.
type TradeTotal struct {
	Period       civil.Month
	Reporter     string // ISO2
	Partner      string // ISO2
	Flow         string // export or import
	ValueUSD     apd.Decimal
	YTDValueUSD  *apd.Decimal // nil when not published
	CoversMonths int          // 2 for a combined January–February figure
	Source       string
	ReleaseID    string
	SourceURI    string
	SourceSHA256 string
	IngestedAt   time.Time
}

// Partition returns the partition the row belongs to.
func (r *TradeTotal) Partition() Partition { return TradeTotalPartition(r.Source, r.Flow, r.Period) }

// TradeTotalRecord is the Parquet encoding of TradeTotal.
type TradeTotalRecord struct {
	Period       int32  `parquet:"period,date,dict"`
	Reporter     string `parquet:"reporter,dict"`
	Partner      string `parquet:"partner,dict"`
	Flow         string `parquet:"flow,dict"`
	ValueUSD     int64  `parquet:"value_usd,decimal(2:18)"`
	YTDValueUSD  *int64 `parquet:"ytd_value_usd,decimal(2:18),optional"`
	CoversMonths int32  `parquet:"covers_months,dict"`
	Source       string `parquet:"source,dict"`
	ReleaseID    string `parquet:"release_id,dict"`
	SourceURI    string `parquet:"source_uri,dict"`
	SourceSHA256 string `parquet:"source_sha256,dict"`
	IngestedAt   int64  `parquet:"ingested_at,timestamp(microsecond),dict"`
}

// Record encodes r for Parquet.
func (r *TradeTotal) Record() (TradeTotalRecord, error) {
	v, err := money.Cents(r.ValueUSD)
	if err != nil {
		return TradeTotalRecord{}, fmt.Errorf("value_usd: %w", err)
	}
	var ytd *int64
	if r.YTDValueUSD != nil {
		c, err := money.Cents(*r.YTDValueUSD)
		if err != nil {
			return TradeTotalRecord{}, fmt.Errorf("ytd_value_usd: %w", err)
		}
		ytd = &c
	}
	covers := r.CoversMonths
	if covers == 0 {
		covers = 1
	}
	return TradeTotalRecord{
		Period: r.Period.First().DaysSinceEpoch(), Reporter: r.Reporter, Partner: r.Partner, Flow: r.Flow,
		ValueUSD: v, YTDValueUSD: ytd, CoversMonths: int32(covers), Source: r.Source, ReleaseID: r.ReleaseID,
		SourceURI: r.SourceURI, SourceSHA256: r.SourceSHA256, IngestedAt: Micros(r.IngestedAt),
	}, nil
}
