package schema

import (
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
)

// Version is recorded in every manifest; it changes when a Record changes.
// 2: trade_flows gained consumption_value_usd.
const Version = 2

// Dataset names, as they appear as the first path segment in the lake.
const (
	DatasetTradeFlows  = "trade_flows"
	DatasetTradeTotals = "trade_totals"
	DatasetShipments   = "shipments"
	DatasetQuarantine  = "quarantine"
	DatasetCompliance  = "compliance"
)

// Partition names one partition of one dataset: the directory a publish
// replaces as a unit.
type Partition struct {
	Dataset string
	// Path is the partition directory relative to the lake root, e.g.
	// "trade_flows/source=census/flow=export/year=2020/month=04".
	Path string
	// Month is the reporting month the partition holds; zero for undated
	// quarantine partitions.
	Month civil.Month
}

func (p Partition) String() string { return p.Path }

func monthPath(m civil.Month) string {
	return fmt.Sprintf("year=%04d/month=%02d", m.Year, int(m.Month))
}

// TradeFlowPartition is where rows of source, flow and month live.
func TradeFlowPartition(source, flow string, m civil.Month) Partition {
	return Partition{
		Dataset: DatasetTradeFlows,
		Path:    fmt.Sprintf("%s/source=%s/flow=%s/%s", DatasetTradeFlows, source, flow, monthPath(m)),
		Month:   m,
	}
}

// QuarantineOf is where rows rejected from data partition p go:
// quarantine/<p's path>, with every key p has (flow included), so the
// rejects of two data partitions never share a partition or a file.
func QuarantineOf(p Partition) Partition {
	return Partition{Dataset: DatasetQuarantine, Path: DatasetQuarantine + "/" + p.Path, Month: p.Month}
}

// QuarantinePartition is where rows rejected from dataset by source go when
// the source cannot tell their data partition: month m, or year=0000/month=00
// when the month could not be read. Datasets with a flow key get
// flow=unknown, so a glob over one dataset's quarantine sees one set of
// Hive keys.
func QuarantinePartition(dataset, source string, m civil.Month) Partition {
	flow := ""
	if dataset == DatasetTradeFlows || dataset == DatasetTradeTotals {
		flow = "flow=unknown/"
	}
	return Partition{
		Dataset: DatasetQuarantine,
		Path:    fmt.Sprintf("%s/%s/source=%s/%s%s", DatasetQuarantine, dataset, source, flow, monthPath(m)),
		Month:   m,
	}
}

// TradeFlow is one reporter × partner × flow × commodity × month figure from
// official statistics.
type TradeFlow struct {
	Period      civil.Month
	Reporter    string // ISO 3166-1 alpha-2
	Partner     string // ISO 3166-1 alpha-2
	Flow        string // "export" or "import", from the reporter's side
	HSCode      string // digits only, leading zeros kept
	Description string // empty when not published
	ValueUSD    apd.Decimal
	// ConsumptionValueUSD is the second value of US Census imports,
	// imports for consumption (CON_VAL_MO), beside ValueUSD's general
	// imports (GEN_VAL_MO); nil for every other row.
	ConsumptionValueUSD *apd.Decimal
	Quantity            *float64
	QuantityUnit        string // empty when not published
	Valuation           string // FAS, CIF, ...
	// CoversMonths is how many months the figure covers, ending at Period:
	// 1 normally, 2 for a combined January–February release.
	CoversMonths int
	// CustomsRegime (贸易方式: ordinary trade, processing with imported
	// materials, bonded logistics, ...) and RegisteredPlace (注册地, the
	// importer's or exporter's registered province) are set when the source
	// publishes them (GACC online-query downloads); empty otherwise.
	CustomsRegime   string
	RegisteredPlace string
	Source          string
	ReleaseID       string
	SourceURI       string
	SourceSHA256    string
	IngestedAt      time.Time
}

// Partition returns the partition the row belongs to.
func (r *TradeFlow) Partition() Partition { return TradeFlowPartition(r.Source, r.Flow, r.Period) }

// TradeFlowRecord is the Parquet encoding of TradeFlow.
type TradeFlowRecord struct {
	Period      int32   `parquet:"period,date,dict"`
	Reporter    string  `parquet:"reporter,dict"`
	Partner     string  `parquet:"partner,dict"`
	Flow        string  `parquet:"flow,dict"`
	HSCode      string  `parquet:"hs_code,dict"`
	HSLevel     int32   `parquet:"hs_level,dict"`
	Description *string `parquet:"description,optional,dict"`
	ValueUSD    int64   `parquet:"value_usd,decimal(2:18)"`
	// omitempty keeps rows without it out of a changed fingerprint.
	ConsumptionValueUSD *int64   `parquet:"consumption_value_usd,optional,decimal(2:18)" json:",omitempty"`
	Quantity            *float64 `parquet:"quantity,optional"`
	QuantityUnit        *string  `parquet:"quantity_unit,optional,dict"`
	Valuation           string   `parquet:"valuation,dict"`
	CoversMonths        int32    `parquet:"covers_months,dict"`
	// omitempty keeps rows without them out of a changed fingerprint.
	CustomsRegime   *string `parquet:"customs_regime,optional,dict" json:",omitempty"`
	RegisteredPlace *string `parquet:"registered_place,optional,dict" json:",omitempty"`
	Source          string  `parquet:"source,dict"`
	ReleaseID       string  `parquet:"release_id,dict"`
	SourceURI       string  `parquet:"source_uri,dict"`
	SourceSHA256    string  `parquet:"source_sha256,dict"`
	IngestedAt      int64   `parquet:"ingested_at,timestamp(microsecond),dict"`
}

// Record encodes r for Parquet. It fails when the value does not fit
// DECIMAL(18,2); callers quarantine such rows. As Shipment.Record, the
// record's optional strings point into r rather than to copies, so r must
// not change while the record is in use; the collector encodes it at once.
func (r *TradeFlow) Record() (TradeFlowRecord, error) {
	cents, err := money.Cents(r.ValueUSD)
	if err != nil {
		return TradeFlowRecord{}, fmt.Errorf("value_usd: %w", err)
	}
	var consumption *int64
	if r.ConsumptionValueUSD != nil {
		c, err := money.Cents(*r.ConsumptionValueUSD)
		if err != nil {
			return TradeFlowRecord{}, fmt.Errorf("consumption_value_usd: %w", err)
		}
		consumption = &c
	}
	covers := r.CoversMonths
	if covers == 0 {
		covers = 1
	}
	return TradeFlowRecord{
		ConsumptionValueUSD: consumption,
		Period:              r.Period.First().DaysSinceEpoch(),
		Reporter:            r.Reporter,
		Partner:             r.Partner,
		Flow:                r.Flow,
		HSCode:              r.HSCode,
		HSLevel:             int32(len(r.HSCode)),
		Description:         optField(&r.Description),
		ValueUSD:            cents,
		Quantity:            r.Quantity,
		QuantityUnit:        optField(&r.QuantityUnit),
		Valuation:           r.Valuation,
		CoversMonths:        int32(covers),
		CustomsRegime:       optField(&r.CustomsRegime),
		RegisteredPlace:     optField(&r.RegisteredPlace),
		Source:              r.Source,
		ReleaseID:           r.ReleaseID,
		SourceURI:           r.SourceURI,
		SourceSHA256:        r.SourceSHA256,
		IngestedAt:          Micros(r.IngestedAt),
	}, nil
}

// Rejected is an input row that could not be normalised. It is kept, with
// its raw cells and the reason, in the quarantine dataset.
type Rejected struct {
	Dataset string // the dataset the row was meant for
	// Target is the data partition the row was meant for, when the source
	// can tell; its manifest counts the row as quarantined.
	Target     Partition
	Period     civil.Month // zero when the row's month is unreadable
	ReasonCode string      // machine-readable, e.g. bad_value, bad_hs_code
	Reason     string      // one line for a person
	Field      string      // the offending column, when one is to blame
	Sheet      string      // for spreadsheets
	Row        int64       // 1-based row or record number in the input
	RawCells   []string
	Source     string
	ReleaseID  string
	SourceURI  string
	SHA256     string
	IngestedAt time.Time
}

// Partition returns the quarantine partition of r.
func (r *Rejected) Partition() Partition {
	if r.Target.Path != "" {
		return QuarantineOf(r.Target)
	}
	return QuarantinePartition(r.Dataset, r.Source, r.Period)
}

// QuarantineRecord is the Parquet encoding of Rejected.
type QuarantineRecord struct {
	Period       *int32   `parquet:"period,date,optional,dict"`
	ReasonCode   string   `parquet:"reason_code,dict"`
	Reason       string   `parquet:"reason,dict"`
	Field        *string  `parquet:"field,optional,dict"`
	Sheet        *string  `parquet:"sheet,optional,dict"`
	Row          int64    `parquet:"row_number"`
	RawCells     []string `parquet:"raw_cells,list,dict"`
	Source       string   `parquet:"source,dict"`
	ReleaseID    string   `parquet:"release_id,dict"`
	SourceURI    string   `parquet:"source_uri,dict"`
	SourceSHA256 string   `parquet:"source_sha256,dict"`
	IngestedAt   int64    `parquet:"ingested_at,timestamp(microsecond),dict"`
}

// Record encodes r for Parquet.
func (r *Rejected) Record() QuarantineRecord {
	var period *int32
	if !r.Period.IsZero() {
		d := r.Period.First().DaysSinceEpoch()
		period = &d
	}
	cells := r.RawCells
	if cells == nil {
		cells = []string{}
	}
	return QuarantineRecord{
		Period:       period,
		ReasonCode:   r.ReasonCode,
		Reason:       r.Reason,
		Field:        optString(r.Field),
		Sheet:        optString(r.Sheet),
		Row:          r.Row,
		RawCells:     cells,
		Source:       r.Source,
		ReleaseID:    r.ReleaseID,
		SourceURI:    r.SourceURI,
		SourceSHA256: r.SHA256,
		IngestedAt:   Micros(r.IngestedAt),
	}
}

// Micros is the TIMESTAMP(MICROS, UTC) value of t. Nanoseconds are dropped
// on purpose: Athena and Spark cannot read TIMESTAMP(NANOS).
func Micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
