/* Local APIC (timer, end of interrupt), I/O APIC routing, and the clock derived from the TSC. */
#include "kernel.h"

#define LAPIC_PA 0xFEE00000UL
#define IOAPIC_PA 0xFEC00000UL
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define CALIBRATE_TICKS 20000 /* APIC ticks at least (20 us at the 1 GHz bus clock) */

/*
 * The APIC timer counts at the bus clock, which QEMU and KVM both model as
 * 1 GHz; with divide-by-1 one tick is one nanosecond. The TSC is calibrated
 * against it once at boot and is the clock from then on.
 */
#define APIC_TICKS_PER_NS 1

static volatile uint32_t *lapic;
static uint64_t tsc_mult; /* ns per TSC tick, as a 32.32 fixed-point number */
static uint64_t tsc_boot;

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }

static void lapic_write(int reg, uint32_t v)
{
	lapic[reg / 4] = v;
	(void)lapic[0x20 / 4]; /* wait for the write to land */
}

/* A reading of the timer's count with the TSC at that moment: the midpoint of a TSC read on each side of it. */
struct reading {
	uint64_t tsc, gap; /* gap: TSC ticks between the two TSC reads, twice the reading's uncertainty */
	uint32_t count;
};

static struct reading read_timer(void)
{
	uint64_t before = rdtsc();
	uint32_t count = lapic[LAPIC_TIMER_CUR / 4];
	uint64_t after = rdtsc();
	return (struct reading){ before + (after - before) / 2, after - before, count };
}

/*
 * TSC ticks per second, measured against the timer counting down from its
 * largest value: readings at the start and once CALIBRATE_TICKS have passed,
 * each bracketed by TSC reads so that their own cost cancels. A reading
 * whose bracket is over 1/1024 of the time measured (the host took the CPU
 * away during it, under emulation) is taken again, later, so the error
 * stays under 0.1% however the host schedules the machine.
 */
static uint64_t tsc_hz(void)
{
	for (;;) {
		lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFFU);
		struct reading a = read_timer(), b;
		do
			b = read_timer();
		while (a.count - b.count < CALIBRATE_TICKS || (b.tsc - a.tsc) < 1024 * b.gap);
		if ((b.tsc - a.tsc) >= 1024 * a.gap)
			return (b.tsc - a.tsc) * 1000000000UL / ((a.count - b.count) / APIC_TICKS_PER_NS);
	}
}

/* Enable the local APIC, mask the legacy PICs, and calibrate the TSC. */
void lapic_init(void)
{
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	lapic = P2V(LAPIC_PA);
	lapic_write(LAPIC_SVR, 0x100 | IRQ_SPURIOUS);
	lapic_write(LAPIC_TIMER_DIV, 0xB); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, 1 << 16); /* masked while calibrating */
	uint64_t hz = tsc_hz();
	tsc_mult = (uint64_t)(((unsigned __int128)1000000000UL << 32) / hz);
	tsc_boot = rdtsc();
	lapic_write(LAPIC_LVT_TIMER, IRQ_TIMER); /* one-shot */
	kip->tsc_hz = hz;
	kip->tsc_boot = tsc_boot;
	kip->tsc_mult = tsc_mult;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * tsc_mult) >> 32);
}

/* Nanoseconds since the clock was calibrated at boot. */
uint64_t now_ns(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * tsc_mult) >> 32);
}

/* Arm the one-shot timer to fire at time ns (at once if that has passed). */
void lapic_timer_at(uint64_t ns)
{
	uint64_t now = now_ns();
	uint64_t ticks = ns > now ? (ns - now) * APIC_TICKS_PER_NS : 1;

	lapic_write(LAPIC_TIMER_INIT, ticks > 0xFFFFFFFFUL ? 0xFFFFFFFFU : (uint32_t)ticks);
}

/* Route I/O APIC pin irq to vector IRQ_BASE + irq on this CPU. */
void ioapic_enable(int irq)
{
	volatile uint32_t *io = P2V(IOAPIC_PA);

	io[0] = 0x10 + 2 * irq;
	io[4] = IRQ_BASE + irq;
	io[0] = 0x10 + 2 * irq + 1;
	io[4] = 0;
}
