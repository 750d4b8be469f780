import Testing

@testable import PicketCore

/// A backend's probes under way, held inline: at most two, and either may answer first.
@Suite struct ProbeTicketsTests {
    @Test func twoProbesUnderWayLeaveNoRoomAndEitherMayEndFirst() {
        var tickets = ProbeTickets()
        #expect(tickets.hasRoom && !tickets.contains(7))
        tickets.insert(7)
        #expect(tickets.isOnly(7) && tickets.hasRoom)
        tickets.insert(9)
        #expect(!tickets.hasRoom && tickets.contains(7) && tickets.contains(9) && !tickets.isOnly(7))
        tickets.remove(7)
        #expect(tickets.isOnly(9) && !tickets.contains(7) && tickets.hasRoom)
        tickets.insert(11)
        tickets.remove(9)
        #expect(tickets.isOnly(11), "the slot the first ticket left is taken again")
        tickets.removeAll()
        #expect(!tickets.contains(11) && tickets.hasRoom && !tickets.isOnly(11))
    }

}
