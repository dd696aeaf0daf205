"""Sentences that lean on the one before, and page furniture (briefing/text/standalone.py)."""
from __future__ import annotations

import pytest

from briefing.text.standalone import depends_on_previous, is_furniture


@pytest.mark.parametrize("text", [
    "He called Trump a ‘political genius.’",
    "But the council rejected the plan on Monday.",
    "That would apply to every school in the district.",
    "However, the court ruled in favour of the company.",
    "The pair's former coach was suspended for two years.",
    "The company said profits fell by a third.",
    "“It was an inappropriate analogy,” the senator said.",
    "In addition, the airline cancelled forty flights.",
    "They saw the suspect there and called police.",
    "It’s the third fire in six weeks.",
    "Now it is seeking to change the words of the anthem.",  # a time word before the pronoun subject
    "On Tuesday, they voted against the proposal.",
    "Last week she resigned from the board.",
    "The video, which shows three men, led police to the house.",
    "Three Republicans voted against the bill, and six Democrats voted for it.",  # which bill?
    "The senate voted on the measure in June.",
    "\"We were confident for those two games and we can beat Italy too,\" he added.",  # who did?
    "“Every day they're in court, I'm going to be there,” she said.",
])
def test_openings_that_need_the_sentence_before(text: str) -> None:
    assert depends_on_previous(text)


@pytest.mark.parametrize("text", [
    "The council approved the new city budget on Monday.",
    "Heavy rain flooded the old town of Paris on Monday night.",
    "Hethersett won the race in record time.",  # starts like "he", is a name
    "Thessaloniki hosted the summit.",
    "“We will not give up,” the mayor said.",
    "Police said 200,000 people were at the stadium.",
    "Theresa May called an election for June.",
    "The men's race went to Erik Lindqvist in 2:07:15.",
    "Now Canada wants to change the words of its anthem.",
    "The Senate passed a bill on taxes, and critics voted against the bill.",  # the sentence names it
    "Critics spoke against the bill to raise taxes.",
    "\"We will win,\" said coach John Smith, and he walked out.",
    "The minister said the talks would go on, he added later.",
    "",
])
def test_openings_that_stand_alone(text: str) -> None:
    assert not depends_on_previous(text)


@pytest.mark.parametrize("text", [
    "Josh Dawsey contributed to this report.",
    "Associated Press writer Vicki Smith in Morgantown, W.Va., contributed to this report.",
    "CLOSE Scientists say the glacier is melting faster than expected.",
    "May 1, 2013 Douglas Owsley, a physical anthropologist, examines a skull.",
    "For StEP maps, click here: here.",
    "For a full recap of the night’s big winners, click here.",
    "Newsletter Sign Up Continue reading the main story Please verify you're not a robot by clicking the box.",
    "FILE - In this May 20, 2017 file photo, Rep. Jason Chaffetz waves after addressing the convention.",
    "Judge Aaron Persky is shown in this June 27, 2011 photo.",
    "Contact David Jesse: 313-222-8851 or djesse@freepress.com.",
    "With: Jane Levy, Shiloh Fernandez, Lou Taylor Pucci, Jessica Lucas, Elizabeth Blackmore.",
    "Bevan, Oyedele, Ntimban-Zeh, Cockerill, Green, Smith, Brown.",
    "Watch The Late Show with Stephen Colbert weeknights at 11:35 PM ET.",
    "Image: United States Navy.",
    "Join the conversation on Twitter and don’t forget to follow us at @Marvel.",
    # Web-archive notices that scraped copies of archived pages carry.
    "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive.",
    "Flowing in every day, these data are added to the Wayback Machine after an embargo period.",
    'Crawls of supported "No More 404" sites.',
    "(Associated Press) In this Saturday, July 1, 2017, photo, people line up at a dispensary in Las Vegas.",
    "In this Oct. 4, 2013 file photo, Gov. Tom Corbett speaks to reporters.",
    # Wire desk notes: syndication sales, editors' budgets, notes to editors, writer bios in brackets.
    "To purchase this material contact the Example Syndicate sales desk at 555-0100.",
    "(To publish this column, it must be purchased from our syndication sales representative.)",
    "WEEKEND NEWS SERVICE (Distributed by Example Features) The following story is for clients.",
    "For questions, please call the news desk at 555-0199.",
    "Graphics information and editors' names can be found at the end of this budget.",
    "THE WEEKEND DUTY EDITORS ARE:",
    "The Example Gazette plans to move the following stories for clients of the news service.",
    "(story to move at 8:30 p.m. ET; corrects spelling of name)",
    "EDITORS: The story below contains strong language.",
    "(Jane Roe is a Chicago-based free-lance writer.)",
    # Photo captions: a photographer's credit glued before it, a gallery's controls, who stands where.
    "Eric Gay / AP Senator Wendy Davis listens as the Texas Senate debates an abortion bill.",
    "Buy Photo Genesee County health official Jim Henry was among those calling for tests.",
    "Hide Caption 20 of 43 Photos: The search for MH370 Prime Minister Najib Razak delivers a statement.",
    "European foreign policy chief Catherine Ashton, left, and Iran's foreign minister, right, address the media.",
    "Sheriff Tobe Leazenby, from left, Police Chief Steve Mullins and Sgt. Kim Riley announce the arrests.",
    "Mahershala Ali (left) and Ryan Gosling share good wishes backstage after the mixup.",
    # One example of each phrase not shown above (each is looked for only in texts holding its word).
    "Jane Doe is a staff writer; she can be reached at the desk or on Twitter at @janedoe.",
    "Follow us on Instagram for the latest pictures of the parade.",
    "Read more about the election results in our special section.",
    "Subscribe to get the best stories delivered to your inbox.",
    "Share this story with your friends and family today.",
    "Download the app to watch every match of the season live.",
    "A protester holds a sign in Hong Kong (Photo: Jane Roe).",
    "A protester holds a sign in Hong Kong, photo by Jane Roe for the agency.",
    "A protester holds a sign in Hong Kong. Credit: Jane Roe.",
    "A protester holds a sign in Hong Kong on Monday in a photo from Getty Images.",
    "The mayor, pictured on Monday, opened the bridge.",
    "Enlarge image The mayor opens the bridge on Monday.",
    "The video above shows the moment the bridge opened.",
    "Media playback is unsupported on your device.",
    "Next video up: the mayor opens the bridge on Monday.",
    "This page was captured by Archive-It, a service of the archive.",
    "These web captures come from a crawl of government sites.",
    "The crawler of the archive visited the page in March.",
    "President Bush (second from right) listens at the summit.",
    # A social network's embed notice, left where a scraped page lost its post.
    "Tweet with a location",
    "You can add location information to your Tweets, such as your city or precise location, from the web.",
    "When you tweet with a location, Twitter stores that location.",
    "Learn more",
    "Join us on Facebook Like us and you'll find top breaking news in your Facebook newsfeed.",
    "Just fill in your contact details in the form below to join our mailing list.",
    "This collection contains collaborative election crawls performed by the archive.",
    # Telephone numbers: contact lines, desk notes, tip lines.
    "IN WASHINGTON: Andy Alexander at 202 244-3131 or 540 547-4211.",
    "Anyone with information should call the tip line at (844) 459-5786.",
])
def test_page_furniture(text: str) -> None:
    assert is_furniture(text)


@pytest.mark.parametrize("text", [
    "The council approved the new city budget on Monday.",
    "By saying he could have been Trayvon Martin, the president bypassed the evidence.",
    "Former WPP head Martin Sorrell, BP chief Bob Dudley, Arianna Huffington and James Murdoch are also invited.",
    "On May 1, 2013, the museum opened a new wing.",
    "The video showed the officer firing three shots.",
    "Police said 200,000 people, many of them students, gathered on Sunday, Monday and Tuesday.",
    "The Internet Archive lost its appeal against four publishers on Monday.",
    "Rescuers crawled through the wreckage of the building to reach survivors.",
    "In this case the photo was never published, the newspaper said.",
    "Police broke up a crime syndicate that ran the port.",
    "Food aid distributed by the agency reached the town on Friday.",
    "The editor of the paper resigned on Monday, and reporters had questions about the budget.",
    "Smith, who is a writer for a weekly magazine, said the memoir was a hoax.",
    "EDITORS at the paper voted to strike.",
    "Texas Gov. Rick Perry (R), a veteran of several statewide campaigns, has not been vetted.",
    "Oh, right, this also vindicates the critics.",
    "The left, right and centre parties all voted against the bill.",
    "The party moved to the left, right after the vote.",
    "Sales rose 5% in the 2004/05 season, and profit / revenue ratios held.",
    "The 2004-2005 budget grew by 300-400 million, to 1,200-1,500 jobs.",
    "He posted a tweet with a location tag before the police arrived.",
    "Learn more about the plan at the town hall, officials said.",
    "Thousands of fans were invited to join us on the pitch, the club said.",
])
def test_real_sentences_are_not_furniture(text: str) -> None:
    assert not is_furniture(text)


def test_read_also_prompt_inside_a_paragraph_is_furniture() -> None:
    from briefing.text.standalone import is_furniture

    assert is_furniture("Lire aussi : Ce qu'il faut savoir sur les séismes")
    assert is_furniture("Читайте также: как прошли выборы")
    assert not is_furniture("Le conseil a voté le budget lundi.")
