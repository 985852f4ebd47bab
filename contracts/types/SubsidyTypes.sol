// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice Where a three-party conditional payment stands.
enum PaymentStatus {
    None,
    Pending, // earmarked in the payer's wallet, waiting for the condition
    Disputed, // the payee says the condition holds and the payer disagrees: only the verifier decides
    Released, // paid to the payee
    Returned // back in the payer's free money
}

/// @notice Why a conditional payment went back to its payer.
enum ReturnReason {
    ConditionFailed, // the verifier attested that the condition does not hold
    PayeeDeclined, // the payee gave the money back
    DeadlinePassed // nobody decided in time
}

/// @notice One conditional payment (Project Rosalind's three-party unlock).
struct ConditionalPaymentInfo {
    address payer;
    uint64 createdAt;
    uint64 deadline; // if still pending at this time, the money returns to the payer
    address payee;
    uint128 amountFen;
    address verifier;
    PaymentStatus status;
}

/// @notice Where a firm's grant stands.
enum GrantStatus {
    None,
    Active, // tranches still to come
    Completed, // every tranche paid; the stay promise still runs
    Ended, // a milestone was missed: the remaining tranches are cancelled
    ClawedBack, // promise broken: the firm owes principal plus interest, part still outstanding
    Settled // promise broken and the debt fully recovered
}

/// @notice A grant programme's fixed rules.
struct ProgrammeRules {
    uint16 interestRateBps; // simple yearly interest on clawed-back money, in basis points
    uint32 promiseDays; // the firm promises to stay this long from admission (15 years)
    uint32 exclusionDays; // a firm found cheating may not be admitted again for this long (3 years)
    uint256 allowedPurposes; // bit p set: payees of purpose p may receive grant money
}

/// @notice One firm's grant. Amounts in fen; times in Beijing seconds.
struct Grant {
    address firm;
    GrantStatus status;
    uint8 trancheCount;
    uint8 tranchesSettled; // paid, withheld or cancelled
    bool fraud;
    uint64 admittedAt;
    uint64 breachedAt;
    uint128 sizeFen;
    uint128 paidFen; // principal: paid into the firm's wallet
    uint128 interestFen;
    uint128 returnedUnspentFen; // grant money still unspent at the breach, returned at once
    uint128 repaidFen; // own money the firm paid back
    uint128 withheldFen; // later tranches kept against the debt
    uint128 returnedOnCloseFen; // grant money that went back when the firm closed its wallet (credited)
}

/// @notice Why a milestone attestation passed over a grant instead of reverting the batch.
enum MilestoneSkipReason {
    None,
    UnknownGrant,
    NotActive, // not active (nor clawed back with tranches left), or every tranche settled
    WrongMilestone, // not the grant's next milestone (also a grant listed twice)
    FirmCannotReceive // the firm's wallet is closed or at its balance cap: the tranche waits
}

/// @notice One tranche: its amount and when it was paid (0 = not paid to the firm).
struct Tranche {
    uint128 amountFen;
    uint64 paidAt;
}

/// @notice What happened to a programme's money, in fen.
struct ProgrammeTotals {
    uint128 fundedFen;
    uint128 withdrawnFen; // uncommitted budget the department took back
    uint128 committedFen; // tranches promised to admitted firms and not yet settled
    uint128 paidOutFen; // tranches settled out of the budget: paid to firms or withheld against a debt
    uint128 paidToFirmsFen;
    uint128 spentFen; // grant money firms paid to allowed payees
    uint128 owedFen; // principal plus interest of every clawback
    uint128 interestFen;
    uint128 returnedUnspentFen;
    uint128 repaidFen;
    uint128 withheldFen;
    uint128 returnedOnCloseFen; // grant money of firms that closed their wallets
}

/// @notice Why a pay batch passed over a worker instead of reverting.
enum WageSkipReason {
    None,
    NotOnPayroll,
    AlreadySettled, // paid or returned before, or listed twice in the batch
    WalletCannotReceive // closed (the main contractor can take the wage back) or at its balance cap
}

/// @notice One pay run of a project: the workers' wages, passed through the subcontractor's wallet.
struct Payroll {
    uint64 payday; // from this time anyone may pay the workers, so a subcontractor cannot hold wages back
    uint32 workers;
    uint32 workersPaid;
    uint128 totalFen;
    uint128 paidFen;
    uint128 returnedFen; // wages of workers whose wallet closed, back to the main contractor
}
