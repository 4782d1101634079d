# burn.S - a boot sector that burns DUTY percent of one CPU, for the lab.
#
# Built by tests/lab/lab.sh (no C compiler, no Makefile):
#   as --32 --defsym DUTY=50 -o burn.o burn.S
#   ld -m elf_i386 -Ttext 0x7c00 -e _start --oformat binary -o burn.bin burn.o
#   then padded to 1,474,560 bytes (a 1.44 MB floppy) and attached read-only.
#
# Behaviour, chosen by the byte at offset 2 of the image (DUTY, 0..100):
#   0         interrupts off, hlt for ever: about 0% CPU.
#   100       interrupts off, jmp to itself: one host core (TCG) busy.
#   1..99     the PIT ticks at about 1 kHz (divisor 1193); every cycle of
#             PERIOD ticks (offset 3, default 100 = 100 ms) the CPU spins for
#             DUTY*PERIOD/100 ticks and sits in hlt for the rest.
# The two bytes may also be patched in a built image instead of assembling
# again: offset 2 = DUTY, offset 3 = PERIOD (1..255 ticks of ~1 ms).
# The boot signature 0xAA55 sits at offset 510.

	.code16
	.text
	.globl	_start

	.ifndef	DUTY
	.set	DUTY, 50
	.endif
	.ifndef	PERIOD
	.set	PERIOD, 100
	.endif
	.if	DUTY < 0 || DUTY > 100
	.error	"DUTY must be 0..100"
	.endif
	.if	PERIOD < 1 || PERIOD > 255
	.error	"PERIOD must be 1..255"
	.endif

_start:
	jmp	start			# 2 bytes: EB xx
duty:	.byte	DUTY			# offset 2
period:	.byte	PERIOD			# offset 3
ticks:	.word	0			# incremented by the IRQ0 handler
busy:	.word	0			# ticks of spinning per cycle
idle:	.word	0			# ticks of hlt per cycle

start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7c00, %sp
	ljmp	$0, $norm		# some BIOSes enter at 07C0:0000
norm:
	cld
	# Mask every PIC line first: nothing but our own tick may interrupt.
	movb	$0xff, %al
	outb	%al, $0x21
	outb	%al, $0xa1

	# busy = duty * period / 100, idle = period - busy
	movb	duty, %al
	cmpb	$0, %al
	je	halt_forever
	cmpb	$100, %al
	jae	spin_forever
	mulb	period			# ax = duty * period
	movb	$100, %cl
	divb	%cl			# al = ax / 100
	xorb	%ah, %ah
	movw	%ax, busy
	movb	period, %cl
	xorb	%ch, %ch
	subw	%ax, %cx
	movw	%cx, idle
	cmpw	$0, busy
	je	halt_forever
	cmpw	$0, idle
	je	spin_forever

	# IRQ0 (vector 8) -> tick
	movw	$tick, 0x20
	movw	$0, 0x22
	# PIT channel 0, lobyte/hibyte, mode 2 (rate generator), 1193182/1193 Hz
	movb	$0x34, %al
	outb	%al, $0x43
	movw	$1193, %ax
	outb	%al, $0x40
	movb	%ah, %al
	outb	%al, $0x40
	# unmask IRQ0 only
	movb	$0xfe, %al
	outb	%al, $0x21
	sti

	movw	ticks, %bx		# bx = tick at which the current phase ends
cycle:
	addw	busy, %bx
spin:	movw	ticks, %ax		# spin until ticks reaches bx
	subw	%bx, %ax
	js	spin
	addw	idle, %bx
rest:	hlt				# sleep until ticks reaches bx
	movw	ticks, %ax
	subw	%bx, %ax
	js	rest
	jmp	cycle

halt_forever:
	cli
	hlt
	jmp	halt_forever

spin_forever:
	cli
1:	jmp	1b

tick:
	incw	%cs:ticks
	pushw	%ax
	movb	$0x20, %al		# EOI to the master PIC
	outb	%al, $0x20
	popw	%ax
	iret

	.org	510
	.word	0xaa55
