//! From raw transactions to the per-customer summaries the customer-base models take
//! (frequency, recency, age, monetary value), with the semantics of lifetimes'
//! `summary_data_from_transaction_data`:
//!
//! - transactions after the end of observation are dropped (the end day itself is kept);
//! - a customer's purchases on one day are one purchase, their amounts summed;
//! - frequency = purchase days − 1; recency = (last − first purchase day) / unit;
//!   age = (end − first purchase day) / unit;
//! - monetary value = mean amount of the purchase days after the first; 0 without repeats;
//! - customers whose first purchase is after the end are absent.
//!
//! Days are whole days since any fixed origin (cxm uses the local day of the database's time
//! zone); `days_per_unit` is 7 for weeks, 1 for days.

use std::collections::BTreeMap;

use crate::Rfm;

/// Summarises `(customer, day, amount)` transactions observed up to `end_day`.
pub fn rfm_summary<K: Ord + Clone>(
    transactions: &[(K, i64, f64)],
    end_day: i64,
    days_per_unit: f64,
) -> BTreeMap<K, Rfm> {
    // Per customer, per day: the day's total.
    let mut days: BTreeMap<&K, BTreeMap<i64, f64>> = BTreeMap::new();
    for (customer, day, amount) in transactions {
        if *day <= end_day {
            *days.entry(customer).or_default().entry(*day).or_default() += amount;
        }
    }
    days.into_iter()
        .filter_map(|(customer, purchases)| {
            let (&first, _) = purchases.first_key_value()?;
            let (&last, _) = purchases.last_key_value()?;
            let repeats: Vec<f64> = purchases.values().skip(1).copied().collect();
            let monetary = if repeats.is_empty() {
                0.0
            } else {
                repeats.iter().sum::<f64>() / repeats.len() as f64
            };
            Some((
                customer.clone(),
                Rfm {
                    frequency: repeats.len() as f64,
                    recency: (last - first) as f64 / days_per_unit,
                    age: (end_day - first) as f64 / days_per_unit,
                    monetary,
                },
            ))
        })
        .collect()
}
