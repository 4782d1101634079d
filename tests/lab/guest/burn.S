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
#   WMIB      (offset 4, default 0 = off) 1..255: instead of all the above,
#             write memory: switch to unreal mode (a flat 4 GiB data
#             segment in %fs, A20 on) and write a new pass number into
#             every 4 KiB page of the WMIB MiB from 1 MiB, pass after pass,
#             as fast as the CPU goes (interrupts off): libvirt's dirty-rate
#             measurement sees those pages change (the lab's check that
#             it measures anything); the CPU is busy as with DUTY 100.
# The bytes may also be patched in a built image instead of assembling
# again: offset 2 = DUTY, offset 3 = PERIOD (1..255 ticks of ~1 ms),
# offset 4 = WMIB.
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
	.ifndef	WMIB
	.set	WMIB, 0
	.endif
	.if	WMIB < 0 || WMIB > 255
	.error	"WMIB must be 0..255"
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
wmib:	.byte	WMIB			# offset 4
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

	cmpb	$0, wmib
	jne	writer

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

writer:
	# unreal mode: protected mode just long enough to load %fs with a
	# flat 4 GiB data segment, whose limit stays cached back in real mode
	lgdt	gdtr
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	jmp	2f
2:	movw	$8, %bx
	movw	%bx, %fs
	andb	$0xfe, %al
	movl	%eax, %cr0
	jmp	3f
3:	inb	$0x92, %al		# fast A20 on, no reset
	orb	$2, %al
	andb	$0xfe, %al
	outb	%al, $0x92
	movzbl	wmib, %ecx
	shll	$20, %ecx
	addl	$0x100000, %ecx		# ecx = end of the written range
	xorl	%edx, %edx		# the pass number
pass:
	incl	%edx
	movl	$0x100000, %edi
page:
	movl	%edx, %fs:(%edi)	# each page changes at every pass
	addl	$4096, %edi
	cmpl	%ecx, %edi
	jb	page
	jmp	pass

	.p2align 3
gdt:	.quad	0			# null
	.quad	0x00cf92000000ffff	# 0x08: data, base 0, limit 4 GiB
gdtr:	.word	gdtr - gdt - 1
	.long	gdt

tick:
	incw	%cs:ticks
	pushw	%ax
	movb	$0x20, %al		# EOI to the master PIC
	outb	%al, $0x20
	popw	%ax
	iret

	.org	510
	.word	0xaa55
